//! Telegram's flood limits as sliding windows. The outbox sender asks before each message
//! whether it may go now; the fake Bot API uses the same rules to answer 429, so a test can
//! show that the sender never tries to exceed them.

use std::{
    collections::{HashMap, VecDeque},
    time::Duration,
};

use tokio::time::Instant;

/// At most `count` events in any `period`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub count: usize,
    pub period: Duration,
}

impl Rate {
    pub const fn new(count: usize, period: Duration) -> Self {
        Self { count, period }
    }
}

/// The limits Telegram documents for bots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Any one chat, private or group.
    pub per_chat: Rate,
    /// A group chat, over a minute.
    pub per_group: Rate,
    /// All chats together.
    pub global: Rate,
}

impl Limits {
    pub const TELEGRAM: Limits = Limits {
        per_chat: Rate::new(1, Duration::from_secs(1)),
        per_group: Rate::new(20, Duration::from_secs(60)),
        global: Rate::new(30, Duration::from_secs(1)),
    };

    /// The same limits with every period lengthened by `margin`, so that jitter between
    /// our clock and the receiver's never makes two messages look closer than allowed.
    pub fn with_margin(self, margin: Duration) -> Limits {
        let widen = |rate: Rate| Rate::new(rate.count, rate.period + margin);
        Limits {
            per_chat: widen(self.per_chat),
            per_group: widen(self.per_group),
            global: widen(self.global),
        }
    }
}

#[derive(Debug)]
struct SlidingWindow {
    rate: Rate,
    events: VecDeque<Instant>,
}

impl SlidingWindow {
    fn new(rate: Rate) -> Self {
        Self {
            rate,
            events: VecDeque::with_capacity(rate.count),
        }
    }

    /// The earliest instant at or after `now` at which one more event fits.
    fn next_free(&mut self, now: Instant) -> Instant {
        while self
            .events
            .front()
            .is_some_and(|&t| t + self.rate.period <= now)
        {
            self.events.pop_front();
        }
        if self.events.len() < self.rate.count {
            now
        } else {
            self.events[self.events.len() - self.rate.count] + self.rate.period
        }
    }

    fn record(&mut self, at: Instant) {
        self.events.push_back(at);
        if self.events.len() > self.rate.count {
            self.events.pop_front();
        }
    }

    /// Moves the event recorded at `reserved` to the later instant `at`.
    fn postpone(&mut self, reserved: Instant, at: Instant) {
        if let Some(slot) = self.events.iter().rposition(|&t| t == reserved) {
            self.events[slot] = at;
            self.events.make_contiguous().sort_unstable();
        }
    }

    /// Forgets the event recorded at `reserved`: the message was never sent.
    fn forget(&mut self, reserved: Instant) {
        if let Some(slot) = self.events.iter().rposition(|&t| t == reserved) {
            self.events.remove(slot);
        }
    }

    fn is_idle(&self, now: Instant) -> bool {
        self.events
            .back()
            .is_none_or(|&t| t + self.rate.period <= now)
    }
}

#[derive(Debug)]
struct ChatWindows {
    chat: SlidingWindow,
    group: Option<SlidingWindow>,
}

/// Tracks sent messages against [`Limits`].
#[derive(Debug)]
pub struct RateLimiter {
    limits: Limits,
    global: SlidingWindow,
    chats: HashMap<i64, ChatWindows>,
}

/// Chats kept in memory before idle ones are forgotten.
const TRACKED_CHATS: usize = 10_000;

impl RateLimiter {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            global: SlidingWindow::new(limits.global),
            chats: HashMap::new(),
        }
    }

    /// Group and supergroup ids are negative; private chats are the user's positive id.
    fn windows(&mut self, chat_id: i64) -> &mut ChatWindows {
        let limits = self.limits;
        self.chats.entry(chat_id).or_insert_with(|| ChatWindows {
            chat: SlidingWindow::new(limits.per_chat),
            group: (chat_id < 0).then(|| SlidingWindow::new(limits.per_group)),
        })
    }

    /// The earliest instant a message to `chat_id` may be sent.
    pub fn next_free(&mut self, chat_id: i64, now: Instant) -> Instant {
        let global = self.global.next_free(now);
        let windows = self.windows(chat_id);
        let chat = windows.chat.next_free(now);
        let group = windows.group.as_mut().map_or(now, |g| g.next_free(now));
        global.max(chat).max(group)
    }

    /// Takes a slot for a message to `chat_id` now, or says when one will be free.
    pub fn try_acquire(&mut self, chat_id: i64, now: Instant) -> Result<(), Instant> {
        let free = self.next_free(chat_id, now);
        if free > now {
            return Err(free);
        }
        if self.chats.len() > TRACKED_CHATS {
            self.chats.retain(|_, w| {
                !w.chat.is_idle(now) || w.group.as_ref().is_some_and(|g| !g.is_idle(now))
            });
        }
        self.global.record(now);
        let windows = self.windows(chat_id);
        windows.chat.record(now);
        if let Some(group) = windows.group.as_mut() {
            group.record(now);
        }
        Ok(())
    }
}

impl RateLimiter {
    /// Gives back the slot taken at `reserved` for a message that did not go after all
    /// (another instance had it, or the instances together were at a limit). Kept, such
    /// slots would spend a group's allowance on messages never sent.
    pub fn release(&mut self, chat_id: i64, reserved: Instant) {
        self.global.forget(reserved);
        let windows = self.windows(chat_id);
        windows.chat.forget(reserved);
        if let Some(group) = windows.group.as_mut() {
            group.forget(reserved);
        }
    }

    /// Telegram counts a message when it arrives, which may be well after we reserved its
    /// slot if the request was slow. The answer came after the arrival, so moving the
    /// reservation to the time of the answer errs on the safe side.
    pub fn settle(&mut self, chat_id: i64, reserved: Instant, answered: Instant) {
        self.global.postpone(reserved, answered);
        let windows = self.windows(chat_id);
        windows.chat.postpone(reserved, answered);
        if let Some(group) = windows.group.as_mut() {
            group.postpone(reserved, answered);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chat_gets_one_message_per_second() {
        let mut limiter = RateLimiter::new(Limits::TELEGRAM);
        let start = Instant::now();
        assert!(limiter.try_acquire(42, start).is_ok());
        assert_eq!(
            limiter.try_acquire(42, start),
            Err(start + Duration::from_secs(1))
        );
        // Another chat is not held back by the first one.
        assert!(limiter.try_acquire(43, start).is_ok());
        assert!(limiter
            .try_acquire(42, start + Duration::from_secs(1))
            .is_ok());
    }

    #[test]
    fn a_group_gets_twenty_messages_per_minute() {
        let mut limiter = RateLimiter::new(Limits::TELEGRAM);
        let start = Instant::now();
        for i in 0..20 {
            let at = start + Duration::from_secs(i);
            assert!(limiter.try_acquire(-100, at).is_ok(), "message {i}");
        }
        let twenty_first = start + Duration::from_secs(20);
        assert_eq!(
            limiter.try_acquire(-100, twenty_first),
            Err(start + Duration::from_secs(60))
        );
    }

    #[test]
    fn a_slow_message_counts_from_its_answer() {
        let mut limiter = RateLimiter::new(Limits::TELEGRAM);
        let start = Instant::now();
        limiter.try_acquire(42, start).unwrap();
        let answered = start + Duration::from_millis(400);
        limiter.settle(42, start, answered);
        assert_eq!(
            limiter.try_acquire(42, start + Duration::from_secs(1)),
            Err(answered + Duration::from_secs(1))
        );
    }

    #[test]
    fn a_slot_given_back_does_not_count() {
        let mut limiter = RateLimiter::new(Limits::TELEGRAM);
        let start = Instant::now();
        // A group's message claimed elsewhere 25 times over a minute: none was sent here.
        for i in 0..25 {
            let at = start + Duration::from_secs(i * 2);
            limiter.try_acquire(-100, at).unwrap();
            limiter.release(-100, at);
        }
        let later = start + Duration::from_secs(50);
        assert!(limiter.try_acquire(-100, later).is_ok());
        assert!(
            limiter.try_acquire(-100, later).is_err(),
            "one per second still holds"
        );
    }

    #[test]
    fn all_chats_together_get_thirty_per_second() {
        let mut limiter = RateLimiter::new(Limits::TELEGRAM);
        let start = Instant::now();
        for chat in 0..30 {
            assert!(limiter.try_acquire(chat + 1, start).is_ok());
        }
        assert_eq!(
            limiter.try_acquire(1000, start),
            Err(start + Duration::from_secs(1))
        );
    }
}
