"""The exactly-once state machine: claim, call, record, reconcile; what an adapter is handed for a post,
and the cards posts wait for.

Every state change is a compare-and-set on (id, state[, lease token]), so two workers holding a
task for the same post cannot both publish it. No transaction is held open across a network call:
the claim commits first, the call runs, the outcome is recorded in a second transaction.

Imports planning (a post is checked against its account's budget before it goes), render, networks,
articles and the frame; never newsroom or the faces. Its entry points are named here.
"""

from scheduler.publishing.dispatch import Dispatch, dispatch_due
from scheduler.publishing.reconcile import expired_leases, reconcile
from scheduler.publishing.records import Outcome, Result
from scheduler.publishing.send import publish

__all__ = ["Dispatch", "Outcome", "Result", "dispatch_due", "expired_leases", "publish", "reconcile"]
