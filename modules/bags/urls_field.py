from django.urls import path

from modules.bags import views_field as v

urlpatterns = [
    path("batches/", v.batch_list, name="batches"),
    path("batches/new/", v.batch_create, name="batch_create"),
    path("batches/unions/", v.batch_union_search, name="batch_union_search"),
    path("batches/<int:pk>/", v.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/codes.csv", v.batch_codes_csv, name="batch_codes_csv"),
    path("batches/<int:pk>/labels/", v.batch_labels, name="batch_labels"),
    path("batches/<int:pk>/labels/<int:export_id>/progress/", v.export_progress, name="export_progress"),
    path("batches/<int:pk>/labels/<int:export_id>/download/", v.export_download, name="export_download"),
    path("batches/<int:pk>/bind/", v.batch_bind, name="batch_bind"),
    path("points/", v.point_list, name="points"),
    path("points/new/", v.point_edit, name="point_create"),
    path("points/<int:pk>/", v.point_edit, name="point_edit"),
    path("points/<int:pk>/delete/", v.point_delete, name="point_delete"),
    path("station/", v.station, name="station"),
]
