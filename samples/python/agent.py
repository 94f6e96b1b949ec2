"""An agent-style job: one child task per item, each in its own sandbox with its own limits, run in parallel.
A child that fails (here: one that loops until its fuel runs out) comes back as a failed envelope; the job goes on."""
import capsule
from capsule import task


@task(name="score", compute="LOW", ram="32MB", timeout="10s", max_retries=0)
def score(item, weight=1):
    if item == "loop":
        while True:
            pass
    return {"item": item, "score": len(item) * weight}


@task(name="main", compute="MEDIUM", ram="128MB", timeout="60s")
def main(*items):
    items = items or ("alpha", "beta", "loop", "gamma")
    envelopes = capsule.gather(*[score.spawn(item, weight=2) for item in items])
    done = [e["result"] for e in envelopes if e["success"]]
    failed = {item: e["error"]["error_type"] for item, e in zip(items, envelopes) if not e["success"]}
    return {"scored": done, "failed": failed, "total": sum(d["score"] for d in done)}
