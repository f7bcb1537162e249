"""Import of the station registry from the export's own layout: all rows or none.

Every row is validated with the same rules as the form; one bad row rolls everything back and
the answer lists every error by its spreadsheet row number (the header is row 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from core import geo
from core.errors import ApiError
from core.models import Organisation
from modules.stations import services
from modules.stations.models import SERVICE_LABELS, Kind, Station, Status
from modules.stations.reports import EXPORT_HEADERS

KIND_BY_LABEL = {str(label): value for value, label in Kind.choices}
STATUS_BY_LABEL = {str(label): value for value, label in Status.choices}
SERVICE_BY_LABEL = {str(label): code for code, label in SERVICE_LABELS.items()}
MAX_ROWS = 20_000


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, reason)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Rollback(Exception):
    pass


def read_rows(upload) -> list[tuple[int, dict]]:
    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 — any unreadable file is the user's to fix, never a 500
        raise ApiError("import_unreadable", _("无法读取该文件，请上传 .xlsx 格式的表格"), field="file")
    ws = wb.active
    rows = ws.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
    missing = [h for h in EXPORT_HEADERS[1:9] if h not in header]
    if missing:
        raise ApiError("import_header", _("表头缺少：%(cols)s（请使用导入模板）") % {"cols": "、".join(missing)}, field="file")
    out = []
    for n, values in enumerate(rows, start=2):
        if values is None or all(v in (None, "") for v in values):
            continue
        out.append((n, {header[i]: v for i, v in enumerate(values) if i < len(header) and header[i]}))
        if len(out) > MAX_ROWS:
            raise ApiError("import_too_large", _("一次最多导入 %(n)s 行") % {"n": MAX_ROWS}, field="file")
    wb.close()
    return out


def _text(v) -> str:
    return "" if v is None else str(v).strip()


def import_stations(*, actor, upload, crs: str = geo.WGS84) -> ImportResult:
    """``crs``: the system of the sheet's coordinates (a "坐标系" column, where filled, wins)."""
    result = ImportResult()
    rows = read_rows(upload)
    if not rows:
        result.errors.append((1, "", _("表格中没有数据行")))
        return result
    orgs = {
        o.name: o
        for o in Organisation.objects.filter(
            name__in={_text(r.get("承办单位")) for _n, r in rows} | {_text(r.get("所属街道")) for _n, r in rows}
        )
    }
    try:
        with transaction.atomic():
            for n, row in rows:
                try:
                    _import_row(actor, row, orgs, result, crs)
                except ApiError as error:
                    result.errors.append((n, _column(error.field), str(error.message)))
            if result.errors:
                raise _Rollback
    except _Rollback:
        result.created = result.updated = 0
    return result


def _column(field_name: str | None) -> str:
    mapping = {
        "name": "驿站名称",
        "host": "承办单位",
        "street": "所属街道",
        "address": "地址",
        "lat": "纬度",
        "lng": "经度",
        "kind": "类型",
        "services": "服务项目",
        "capacity": "可容纳人数",
        "built_year": "建成年份",
        "status": "状态",
        "id": "编号",
        "crs": "坐标系",
    }
    if field_name and field_name.startswith("hours_"):
        return EXPORT_HEADERS[9 + int(field_name[6:])]
    return mapping.get(field_name or "", field_name or "")


def _import_row(actor, row: dict, orgs: dict, result: ImportResult, crs: str = geo.WGS84) -> None:
    named = _text(row.get("坐标系"))
    if named:
        crs = geo.parse_system(named)
        if crs is None:
            raise ApiError("crs", _("坐标系“%(s)s”无效，可填：WGS-84、GCJ-02（高德）、BD-09（百度）") % {"s": named}, field="crs")
    lat, lng = geo.to_wgs84_rounded(row.get("纬度"), row.get("经度"), crs)
    host_name = _text(row.get("承办单位"))
    host = orgs.get(host_name)
    if host is None:
        raise ApiError("host_unknown", _("找不到承办单位“%(n)s”") % {"n": host_name}, field="host")
    street_name = _text(row.get("所属街道"))
    street = orgs.get(street_name) if street_name else host.street
    if street_name and street is None:
        raise ApiError("street_unknown", _("找不到街道“%(n)s”") % {"n": street_name}, field="street")
    kind_label = _text(row.get("类型"))
    if kind_label and kind_label not in KIND_BY_LABEL and kind_label not in Kind.values:
        raise ApiError("kind", _("类型“%(k)s”无效，可选：%(all)s") % {"k": kind_label, "all": "、".join(KIND_BY_LABEL)}, field="kind")
    labels = [s for s in _text(row.get("服务项目")).replace("，", "、").replace(",", "、").split("、") if s.strip()]
    unknown = [s for s in labels if s.strip() not in SERVICE_BY_LABEL]
    if unknown:
        raise ApiError("services", _("未知的服务项目：%(s)s") % {"s": "、".join(unknown)}, field="services")
    data = {
        "name": row.get("驿站名称"),
        "host": host,
        "street": street,
        "address": row.get("地址"),
        "landmark": row.get("地标"),
        "lat": lat,
        "lng": lng,
        "kind": KIND_BY_LABEL.get(kind_label, kind_label or Kind.OTHER),
        "hours": [_text(row.get(day)) for day in EXPORT_HEADERS[9:16]],
        "services": [SERVICE_BY_LABEL[s.strip()] for s in labels],
        "capacity": row.get("可容纳人数"),
        "contact_name": row.get("联系人"),
        "contact_phone": _text(row.get("联系电话")),
        "built_year": row.get("建成年份"),
        "note": row.get("备注"),
    }
    status_label = _text(row.get("状态"))
    status = STATUS_BY_LABEL.get(status_label, status_label or Status.BUILDING)
    if status not in Status.values:
        raise ApiError(
            "status", _("状态“%(s)s”无效，可选：%(all)s") % {"s": status_label, "all": "、".join(STATUS_BY_LABEL)}, field="status"
        )
    pk = _text(row.get("编号"))
    if pk:
        station = Station.objects.filter(pk=int(pk) if pk.isdigit() else 0).first()
        if station is None:
            raise ApiError("id_unknown", _("编号 %(id)s 的驿站不存在（新增请留空编号）") % {"id": pk}, field="id")
        services.station_update(actor=actor, station=station, data=data)
        if station.status != status:
            services.station_set_status(actor=actor, station=station, status=status, reason=_("表格导入"))
        result.updated += 1
    else:
        services.station_create(actor=actor, data=data, status=status, reason=_("表格导入"))
        result.created += 1
