"""The client against a real `capsule serve` (started from bin/capsule): every method, typed errors, events(), and a
restart of the server between submit and wait."""

import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
sys.path.insert(0, os.path.dirname(__file__))

from capsule_client import BadRequest, Capsule, Forbidden, NotFound, Unauthorized, WaitTimeout  # noqa: E402
from serve import TOKEN, Serve  # noqa: E402

SLOW = "import time\ntime.sleep(%s)\nresult = 'slept'\n"


class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.serve = Serve().start()
        cls.capsule = Capsule(cls.serve.url, TOKEN)

    @classmethod
    def tearDownClass(cls):
        cls.serve.close()

    def test_run_returns_the_envelope(self):
        envelope = self.capsule.run("from capsule import task\n\n@task\ndef main(a, b):\n    return a * b\n", args=[6, 7])
        self.assertTrue(envelope["success"], envelope)
        self.assertEqual(42, envelope["result"])

    def test_a_snippet_in_javascript_and_its_output(self):
        task_id = self.capsule.submit("console.log('from js'); let result = 'js ok';", language="javascript")
        self.assertEqual("js ok", self.capsule.wait(task_id)["result"])
        self.assertIn("from js", self.capsule.output(task_id)["attempts"][0]["stdout"])

    def test_capsules_host_side_run_of_a_task_file(self):
        # a program written for Capsule's Python package: from capsule import run; await run(file=..., args=[...])
        import asyncio
        import tempfile
        import capsule
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "sandbox.py")
            with open(path, "w") as f:
                f.write("from capsule import task\n\n@task(name='main')\ndef main(who):\n    return 'Hello, ' + who\n")
            envelope = asyncio.run(capsule.run(file=path, args=["Ada"], url=self.serve.url, token=TOKEN))
            self.assertTrue(envelope["success"], envelope)
            self.assertEqual("Hello, Ada", envelope["result"])
            os.environ["CAPSULE_URL"], os.environ["CAPSULE_TOKEN"] = self.serve.url, TOKEN
            try:
                again = asyncio.run(capsule.run_with_worker(file=path, args=["Bo"]))
            finally:
                del os.environ["CAPSULE_URL"], os.environ["CAPSULE_TOKEN"]
            self.assertEqual("Hello, Bo", again["result"])

    def test_a_failing_task_is_an_envelope_not_an_exception(self):
        envelope = self.capsule.run("raise ValueError('broken 3')")
        self.assertFalse(envelope["success"])
        self.assertEqual("task_error", envelope["error"]["error_type"])
        self.assertIn("broken 3", envelope["error"]["message"])

    def test_get_list_and_cancel(self):
        task_id = self.capsule.submit(SLOW % 30, labels={"suite": "py-cancel"})
        self.assertIn(self.capsule.get(task_id)["status"], ("PENDING", "RUNNING"))
        listed = self.capsule.list(labels={"suite": "py-cancel"})
        self.assertEqual([task_id], [t["id"] for t in listed["tasks"]])
        self.assertEqual(task_id, self.capsule.cancel(task_id)["id"])
        envelope = self.capsule.wait(task_id, timeout=30)
        self.assertFalse(envelope["success"])
        self.assertEqual("CANCELLED", self.capsule.get(task_id)["status"])

    def test_wait_timeout_names_the_status(self):
        task_id = self.capsule.submit(SLOW % 20)
        with self.assertRaises(WaitTimeout) as caught:
            self.capsule.wait(task_id, timeout=1)
        self.assertIn(caught.exception.task_status, ("PENDING", "RUNNING"))
        self.capsule.cancel(task_id)

    def test_typed_errors(self):
        with self.assertRaises(Unauthorized):
            Capsule(self.serve.url, "wrong-token-0123456789abcdef").list()
        with self.assertRaises(NotFound):
            self.capsule.get("no-such-task")
        with self.assertRaises(BadRequest) as bad:
            self.capsule.submit("1", language="cobol")
        self.assertIn("language", bad.exception.message)
        with self.assertRaises(Forbidden) as bound:
            self.capsule.submit("1", grants={"hosts": ["example.com"]})
        self.assertIn("grant_hosts", bound.exception.message)

    def test_events_yields_the_transitions_of_a_task(self):
        stream = self.capsule.events()
        seen = []
        wanted = []
        done = threading.Event()

        def read():
            for event in stream:
                seen.append(event)
                if any(e.data.get("task_id") in wanted and e.data.get("to") == "SUCCEEDED" for e in seen):
                    done.set()
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        task_id = self.capsule.submit("result = 1")
        wanted.append(task_id)
        self.capsule.wait(task_id)
        self.assertTrue(done.wait(30), seen)
        mine = [e for e in seen if e.data.get("task_id") == task_id]
        self.assertTrue(mine, seen)
        self.assertEqual("transition", mine[-1].event)
        self.assertIsInstance(mine[-1].id, int)


class RestartTest(unittest.TestCase):
    def test_a_job_submitted_before_a_restart_is_waited_for_after_it(self):
        serve = Serve().start()
        try:
            capsule = Capsule(serve.url, TOKEN)
            task_id = capsule.submit(SLOW % 4, idempotency_key="restart-1")
            serve.stop()
            restarter = threading.Thread(target=serve.start)
            restarter.start()
            envelope = capsule.wait(task_id, timeout=180)
            restarter.join()
            self.assertTrue(envelope["success"], envelope)
            self.assertEqual("slept", envelope["result"])
            self.assertEqual(task_id, capsule.submit(SLOW % 4, idempotency_key="restart-1"))
        finally:
            serve.close()


if __name__ == "__main__":
    unittest.main()
