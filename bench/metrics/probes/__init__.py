"""Weight-free probe checks: physics, permanence, identity."""
