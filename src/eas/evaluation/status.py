"""The statuses of a trial: plain strings, stored as they are in the run's SQLite file."""

PENDING = "pending"  # proposed and stored, not evaluated yet
OK = "ok"  # trained and scored
DIVERGED = "diverged"  # the loss became NaN or infinite; scored as accuracy 0
FAILED = "failed"  # the evaluation raised (illegal edits, out of memory, a crashed worker)
CUT = "cut"  # stopped when the search's time ran out; not evaluated, tried again if the run resumes
STATUSES = (PENDING, OK, DIVERGED, FAILED, CUT)
# A trial with one of these has its final result; pending and cut trials are evaluated (again).
FINISHED_STATUSES = (OK, DIVERGED, FAILED)
