"""A tiny valid suite used by spine tests (independent of the real prompts)."""

TINY_PROBES = [
    {"id": "physics.test.red_ball_drop", "suite": "physics", "category": "P1",
     "prompt": "A red ball falls onto the floor.",
     "objects": [{"name": "red ball", "colour": "red", "shape": "disc", "size": 0.1}],
     "expect": {"gravity": "down"}, "checks": [], "scene": None},
    {"id": "physics.test.blue_box_slide", "suite": "physics", "category": "P6",
     "prompt": "A blue box slides to a stop.",
     "objects": [{"name": "blue box", "colour": "blue", "shape": "box", "size": 0.1}],
     "expect": {"decelerate": "blue box"}, "checks": [], "scene": None},
]
