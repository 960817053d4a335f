"""The statuses of a trial: plain strings, stored as they are in the run's SQLite file."""

PENDING = "pending"  # proposed and stored, not evaluated yet
OK = "ok"  # trained and scored
DIVERGED = "diverged"  # the loss became NaN or infinite; scored as accuracy 0
FAILED = "failed"  # the evaluation raised (illegal edits, out of memory, a crashed worker)
CUT = "cut"  # stopped because the search's time ran out; not counted as evaluated
STATUSES = (PENDING, OK, DIVERGED, FAILED, CUT)
FINISHED_STATUSES = (OK, DIVERGED, FAILED, CUT)
