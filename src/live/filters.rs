//! Each account's filters and tombstones.

use jiff::Timestamp;

use super::*;

impl LiveCore {
    pub fn set_filters(&mut self, account: usize, filters: Vec<Filter>) {
        if let Some(a) = self.accounts.get_mut(account) {
            a.filters = Some(filters);
            a.filters_failed = false;
        }
    }

    /// The fetch of an account's filters failed (a start without the network, say): they are
    /// fetched again when one of its streams is next live, not only after a reconnect.
    pub fn filters_failed(&mut self, account: usize) {
        if let Some(a) = self.accounts.get_mut(account) {
            a.filters_failed = true;
        }
    }

    /// The server answers again: filters whose fetch failed are fetched now.
    pub(crate) fn refetch_failed_filters(&mut self, account: usize) {
        if let Some(a) = self.accounts.get_mut(account)
            && std::mem::take(&mut a.filters_failed)
        {
            self.needs.push(Need::Filters { account });
        }
    }

    pub fn filters(&self, account: usize) -> Option<&[Filter]> {
        self.accounts.get(account)?.filters.as_deref()
    }

    /// Whether an account's filters read posts' texts ([`crate::filter::reads_texts`]).
    pub fn reads_texts(&self, account: usize) -> bool {
        self.filters(account)
            .is_some_and(crate::filter::reads_texts)
    }

    /// What an account's filters make of a status in a context.
    pub fn verdict(
        &self,
        account: usize,
        status: &Status,
        context: &FilterContext,
        now: Timestamp,
    ) -> Verdict {
        verdict(status, self.filters(account), context, now)
    }

    /// Deleted on this account's server (a boost of a deleted status is gone too).
    pub(crate) fn is_deleted(&self, account: usize, status: &Status) -> bool {
        self.accounts
            .get(account)
            .is_some_and(|a| a.tombstones.buries(status))
    }

    pub fn tombstones(&self, account: usize) -> Option<&Tombstones> {
        self.accounts.get(account).map(|a| &a.tombstones)
    }

    /// Records a delete that did not come as an event of a stream (for the live view).
    pub(crate) fn bury(&mut self, account: usize, id: &str) {
        if let Some(a) = self.accounts.get_mut(account) {
            a.tombstones.insert(id);
        }
    }
}
