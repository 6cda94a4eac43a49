//! Group commit. A commit that must be durable costs a write and an fsync; on SQLite every
//! writer also waits for the one write connection. When many requests each want a small
//! write at once, one task applies whatever is waiting at that moment in one transaction,
//! so a burst costs a few commits instead of one each, while every request still waits
//! for (and learns the outcome of) the commit that holds its write.

use std::{fmt, future::Future};

use tokio::sync::{mpsc, oneshot};

type Waiting<Job, Outcome> = (Job, oneshot::Sender<Outcome>);

/// A queue of jobs applied in batches by one task.
pub struct GroupCommit<Job, Outcome> {
    sender: mpsc::Sender<Waiting<Job, Outcome>>,
}

impl<Job, Outcome> Clone for GroupCommit<Job, Outcome> {
    fn clone(&self) -> Self {
        Self {
            sender: self.sender.clone(),
        }
    }
}

impl<Job, Outcome> fmt::Debug for GroupCommit<Job, Outcome> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupCommit")
            .field(
                "waiting",
                &(self.sender.max_capacity() - self.sender.capacity()),
            )
            .finish()
    }
}

impl<Job: Send + 'static, Outcome: Send + 'static> GroupCommit<Job, Outcome> {
    /// Starts the task that applies batches of at most `max_batch` jobs with `apply`, which
    /// returns one outcome per job, in the jobs' order. The task runs until every clone of
    /// the queue is dropped.
    pub fn start<Apply, Applied>(max_batch: usize, mut apply: Apply) -> Self
    where
        Apply: FnMut(Vec<Job>) -> Applied + Send + 'static,
        Applied: Future<Output = Vec<Outcome>> + Send,
    {
        let (sender, mut receiver) = mpsc::channel::<Waiting<Job, Outcome>>(4 * max_batch);
        tokio::spawn(async move {
            while let Some(first) = receiver.recv().await {
                let mut batch = vec![first];
                while batch.len() < max_batch {
                    match receiver.try_recv() {
                        Ok(waiting) => batch.push(waiting),
                        Err(_) => break,
                    }
                }
                let (jobs, waiters): (Vec<Job>, Vec<_>) = batch.into_iter().unzip();
                let outcomes = apply(jobs).await;
                for (waiter, outcome) in waiters.into_iter().zip(outcomes) {
                    // The request may have given up waiting; the job was applied anyway.
                    let _ = waiter.send(outcome);
                }
            }
        });
        Self { sender }
    }

    /// Queues `job` and waits for its batch to be applied. `None` if the task is gone or
    /// gave no outcome for the job.
    pub async fn submit(&self, job: Job) -> Option<Outcome> {
        let (done, outcome) = oneshot::channel();
        self.sender.send((job, done)).await.ok()?;
        outcome.await.ok()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[tokio::test]
    async fn jobs_waiting_together_share_a_batch_and_each_gets_its_own_outcome() {
        let batches = Arc::new(Mutex::new(Vec::new()));
        let seen = batches.clone();
        let (release, hold) = tokio::sync::watch::channel(false);
        let queue = GroupCommit::start(8, move |jobs: Vec<u32>| {
            seen.lock().unwrap().push(jobs.len());
            let mut hold = hold.clone();
            async move {
                // The first batch waits until every other job is queued behind it.
                hold.wait_for(|released| *released).await.unwrap();
                jobs.iter().map(|job| job * 10).collect()
            }
        });
        let mut submitted = tokio::task::JoinSet::new();
        let submit = |submitted: &mut tokio::task::JoinSet<_>, job: u32| {
            let queue = queue.clone();
            submitted.spawn(async move { (job, queue.submit(job).await) });
        };
        submit(&mut submitted, 0);
        while batches.lock().unwrap().is_empty() {
            tokio::task::yield_now().await;
        }
        for job in 1..10 {
            submit(&mut submitted, job);
        }
        while queue.sender.max_capacity() - queue.sender.capacity() < 9 {
            tokio::task::yield_now().await;
        }
        release.send(true).unwrap();
        for (job, outcome) in submitted.join_all().await {
            assert_eq!(outcome, Some(job * 10));
        }
        let batches = batches.lock().unwrap().clone();
        assert_eq!(batches.iter().sum::<usize>(), 10);
        assert_eq!(
            batches.len(),
            3,
            "one alone, then 8 (the most), then 1: {batches:?}"
        );
    }

    #[tokio::test]
    async fn a_job_without_an_outcome_is_told_so() {
        let queue = GroupCommit::start(4, |_jobs: Vec<u32>| async { Vec::<u32>::new() });
        assert_eq!(queue.submit(1).await, None);
    }
}
