"""A loan as storage holds it: the domain's loan, with what only storage and the unit of work use.

- `version`: what the loan's conditional write checks (optimistic concurrency).
- `recent_commits`: the last requests committed, so a write that took effect but whose answer was
  lost is never applied twice (the unit of work looks the request's key up before anything).
- what it was read from (its sealed history pages) and what the read left out (a loan read without
  its older history holds only its newest records: `earlier` says how many precede them).

The domain's transitions copy a loan (`model_copy`), so all of this rides through them unseen and
comes back to the store with the changed loan; the domain's `Loan` declares none of it.
"""

from __future__ import annotations

from pydantic import Field, PrivateAttr

from lms.loans.domain.aggregate.loan import HISTORY_LISTS, Loan
from lms.models import LmsModel

RECENT_COMMITS = 16  # retries come within minutes; 16 commits of one loan cover far more than that


class Commit(LmsModel):
    """One committed request, by its key, and what it produced."""

    key: str
    transaction_id: int | None = None
    charge_id: int | None = None
    # The last second (Unix time) in which the commit still answers for its request: that of the
    # receipt it was written with. After it, the same request is a new one, as it is for the
    # receipt. None (a commit without a receipt): it answers while the loan keeps it.
    until: int | None = None


class StoredLoan(Loan):
    recent_commits: list[Commit] = Field(default_factory=list)  # the last RECENT_COMMITS, oldest first
    version: int = 0
    # What storage read this loan from (lms.loans.storage.history.StoredHistory), so that saving it
    # writes only what a change touched.
    _stored: object = PrivateAttr(default=None)
    # How many of each history list's records precede those held (a loan read without its older
    # history holds only its newest records). Ids and sequence numbers count them all.
    _earlier: dict = PrivateAttr(default_factory=dict)

    @classmethod
    def of(cls, loan: Loan) -> StoredLoan:
        """A loan the domain made (a new application), as storage will hold it."""
        return loan if isinstance(loan, StoredLoan) else cls(**dict(loan))

    def earlier(self, name: str) -> int:
        return self._earlier.get(name, 0)

    @property
    def stored_history(self) -> object:
        return self._stored

    def with_stored_history(self, stored: object) -> StoredLoan:
        loan = self.model_copy()
        loan._stored = stored
        return loan

    def with_earlier_history(self, counts: dict[str, int]) -> StoredLoan:
        loan = self.model_copy()
        loan._earlier = {name: counts.get(name, 0) for name in HISTORY_LISTS}
        return loan

    def commit_of(self, key: str, now: int | None = None) -> Commit | None:
        """The commit of request `key` still in force at `now` (Unix seconds), if the loan holds it."""
        live = (c for c in self.recent_commits if c.until is None or now is None or c.until >= now)
        return next((c for c in live if c.key == key), None)

    def with_commit(self, commit: Commit) -> StoredLoan:
        return self.model_copy(update={"recent_commits": [*self.recent_commits, commit][-RECENT_COMMITS:]})

    def next_version(self) -> StoredLoan:
        """The loan as its conditional save will have stored it (what an answer made before the
        save, to be stored with it, shows)."""
        return self.model_copy(update={"version": self.version + 1})
