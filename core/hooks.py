from core.demo.tree import seed_tree
from core.registry import registry

registry.add_demo_seeder("组织与会员", seed_tree, order=0)
