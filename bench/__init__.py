"""bench: a research benchmark suite for text-to-video generators.

Data flow (the package tree follows it):
    suites (prompts/*.jsonl) -> generators (oracle world, diffusers, import)
    -> store (run directory) -> metrics (decode once, score all) -> stats -> report
"""

__version__ = "0.1.0"
