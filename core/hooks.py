from core.demo.tree import seed_tree
from core.registry import NavItem, registry

registry.add_demo_seeder("组织与会员", seed_tree, order=0)

registry.add_periodic_job("core.privacy.retention_purge", 3600)
registry.add_nav(NavItem("我的数据", "core:my_data", audience="worker", order=90))
