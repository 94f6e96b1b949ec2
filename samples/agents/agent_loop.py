"""A plain-Python agent loop that hands model-written code to Capsule through clients/python, durably.

The "model" here is a stand-in (a list of programs, the second one fixing the first's error) so the sample runs without
an API key; put your LLM call in `next_program`. Each job is submitted with an idempotency key and its id is kept in
a state file, so if `capsule serve` restarts in the middle of a job (or this script does), the next run picks the same
job up and reads its result instead of running the code again.

    capsule serve --token-file tokens &                  # in your project
    CAPSULE_URL=http://127.0.0.1:7070 CAPSULE_TOKEN=... python3 samples/agents/agent_loop.py
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "clients", "python"))

from capsule_client import Capsule, Unavailable, WaitTimeout  # noqa: E402

STATE = os.environ.get("AGENT_STATE", "agent-state.json")

PROGRAMS = [
    # the model's first try: a bug (the error comes back in the envelope, the loop feeds it back)
    "import statistics\nvalues = [3, 1, 4, 1, 5, 9, 2, 6]\nresult = statistics.medain(values)\n",
    # the fix, after reading "module 'statistics' has no attribute 'medain'"
    "import statistics, time\ntime.sleep(3)\nvalues = [3, 1, 4, 1, 5, 9, 2, 6]\nresult = statistics.median(values)\n",
]


def next_program(step, last_error):
    """Your LLM goes here: given the task and the previous error, return Python source (a snippet is fine)."""
    if last_error:
        print("model sees the error:", last_error["error_type"], "-", last_error["message"].splitlines()[-1])
    return PROGRAMS[min(step, len(PROGRAMS) - 1)]


def load_state():
    if os.path.exists(STATE):
        with open(STATE) as f:
            return json.load(f)
    return {"step": 0, "task_id": None, "last_error": None}


def save_state(state):
    with open(STATE + ".tmp", "w") as f:
        json.dump(state, f)
    os.replace(STATE + ".tmp", STATE)


def main():
    capsule = Capsule(os.environ.get("CAPSULE_URL", "http://127.0.0.1:7070"), os.environ.get("CAPSULE_TOKEN"))
    state = load_state()
    while state["step"] < 5:
        if state["task_id"] is None:
            code = next_program(state["step"], state["last_error"])
            state["task_id"] = capsule.submit(code, idempotency_key="agent-step-%d" % state["step"],
                                              labels={"agent": "sample"}, limits={"timeout": "30s"})
            save_state(state)
            print("step", state["step"], "submitted", state["task_id"])
        try:
            envelope = capsule.wait(state["task_id"], timeout=300)
        except (Unavailable, WaitTimeout) as e:
            print("not finished yet (%s); run me again later: the job is durable" % e.message)
            return 1
        if envelope["success"]:
            print("result:", envelope["result"])
            os.remove(STATE)
            return 0
        state.update(step=state["step"] + 1, task_id=None, last_error=envelope["error"])
        save_state(state)
    print("gave up after", state["step"], "tries")
    return 2


if __name__ == "__main__":
    sys.exit(main())
