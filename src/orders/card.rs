//! The ticket's card in its group. Feedback 1 is more than a reply: under its text (as the
//! seed wrote it) are the buttons to take the ticket where it was asked (🙋 Ambil), and
//! the message is edited as the ticket moves, wherever the step was made (a button, the
//! Mini App, the undo time running out), so the group reads where a request stands in one
//! place.
//!
//! A card edit is an outbox row like any other, queued in the transaction of the step that
//! moved the ticket and tagged `order:<no>:card`: the sender sends only the latest queued
//! edit of a card (an edit replaces text and buttons wholly), within the group's budget.
//! A card is edited only when what it would show differs from what was last queued for
//! it, so presses that change nothing (the losers of a race, a stale card brought up to
//! date twice) queue nothing. What it shows depends on the ticket alone, never on the
//! clock, for the same reason.
//!
//! A button press is decided here, in the transaction of its update: who may press
//! ([`access::works_group_tickets`], [`access::may_close`]), then the same step as in the
//! Mini App ([`workflow::write_in`]), so one winner and one Feedback 2 whichever way a
//! ticket is taken.

use std::collections::HashMap;

use sqlx::{any::AnyRow, Row};

use super::{
    workflow::{self, Rules, Step, Transition, PICKUP_TOLD},
    OrderMessage, Status,
};
use crate::{
    db::{values_placeholders, Backend, Conn},
    groups::hours::Zone,
    lang::{Lang, Text},
    telegram::{
        outbox::{self, Button, Keyboard, MessageRef, Outgoing},
        texts,
    },
    users::{
        access::{self, GroupWorkRefusal},
        user_from_row, User, USER_COLUMNS,
    },
};

/// What a group sees of its tickets beyond the Feedback texts.
#[derive(Clone, Debug, Default)]
pub struct GroupFeatures {
    /// Feedback 1 is a live card with buttons (`TANGKAP_GROUP_BUTTONS`).
    pub buttons: bool,
    /// 👀 on a request once picked up, 👍 once resolved (`TANGKAP_GROUP_REACTIONS`).
    pub reactions: bool,
    /// The direct Mini App link (`TANGKAP_MINIAPP_LINK`), for the card's Buka button.
    pub mini_app_link: Option<String>,
}

/// The reaction set on a request once the group is told of its Pickup.
pub const PICKED_UP: &str = "👀";
/// The reaction set on a request once it is resolved.
pub const RESOLVED: &str = "👍";

/// A card's button.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Press {
    Pickup,
    /// Takes back one's own Pickup while the group has not been told of it.
    Undo,
    Close,
}

impl Press {
    /// The button's callback data: `t:p:<no>` (Pickup), `t:u:<no>` (undo), `t:c:<no>`.
    pub fn data(self, no: i64) -> String {
        let code = match self {
            Press::Pickup => 'p',
            Press::Undo => 'u',
            Press::Close => 'c',
        };
        format!("t:{code}:{no}")
    }

    /// Reads [`Press::data`] back; anything else (another button, a forged or mangled
    /// one) is `None`.
    pub fn parse(data: &str) -> Option<(Press, i64)> {
        let (code, no) = data.strip_prefix("t:")?.split_once(':')?;
        let press = match code {
            "p" => Press::Pickup,
            "u" => Press::Undo,
            "c" => Press::Close,
            _ => return None,
        };
        if no.is_empty() || no.len() > 18 || !no.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some((press, no.parse().ok()?))
    }

    fn transition(self) -> Transition {
        match self {
            Press::Pickup => Transition::Pickup,
            Press::Undo => Transition::UndoPickup,
            Press::Close => Transition::Close,
        }
    }
}

/// A new ticket's card: Feedback 1's text with 🙋 Ambil and Buka under it (Buka alone
/// when the group has no buttons, nothing without a Mini App link).
pub fn new_card(
    features: &GroupFeatures,
    no: i64,
    ticket: &str,
    order_id: &str,
    transaksi: &str,
) -> (String, Keyboard) {
    let card = Card {
        no,
        ticket: ticket.to_owned(),
        order_id: order_id.to_owned(),
        transaksi: transaksi.to_owned(),
        stage: Stage::Waiting,
    };
    (card.html(Zone::default()), card.keyboard(features))
}

/// Where a card's ticket stands, as far as the card shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Stage {
    Waiting,
    PickedUp {
        by: String,
        at: i64,
        close_due_at: Option<i64>,
        /// Its presser may still take it back (the group has not been told).
        undoable: bool,
    },
    Resolved {
        by: String,
        at: i64,
    },
}

struct Card {
    no: i64,
    ticket: String,
    order_id: String,
    transaksi: String,
    stage: Stage,
}

impl Card {
    /// Feedback 1's text, then the status line once picked up or resolved, on the
    /// group's clock.
    fn html(&self, zone: Zone) -> String {
        let received = texts::order_received(&self.order_id, &self.transaksi, &self.ticket);
        let offset = zone.offset();
        match &self.stage {
            Stage::Waiting => received,
            Stage::PickedUp {
                by,
                at,
                close_due_at,
                ..
            } => format!(
                "{received}\n\n{}",
                texts::card_picked_up(by, *at, *close_due_at, offset)
            ),
            Stage::Resolved { by, at } => {
                format!("{received}\n\n{}", texts::card_resolved(by, *at, offset))
            }
        }
    }

    fn keyboard(&self, features: &GroupFeatures) -> Keyboard {
        let no = self.no;
        let mut actions = Vec::new();
        if features.buttons {
            match &self.stage {
                Stage::Waiting => {
                    actions.push(Button::callback(texts::CARD_PICKUP, Press::Pickup.data(no)))
                }
                Stage::PickedUp { undoable, .. } => {
                    if *undoable {
                        actions.push(Button::callback(texts::CARD_UNDO, Press::Undo.data(no)));
                    }
                    actions.push(Button::callback(texts::CARD_CLOSE, Press::Close.data(no)));
                }
                // A resolved ticket's card has no buttons left.
                Stage::Resolved { .. } => return Vec::new(),
            }
        }
        let open = open_row(features.mini_app_link.as_deref(), &self.ticket);
        [actions]
            .into_iter()
            .chain(open)
            .filter(|row| !row.is_empty())
            .collect()
    }
}

/// The Buka button, which opens the Mini App on `ticket` through the direct link (a
/// group refuses web_app buttons); none without a link.
pub fn open_row(mini_app_link: Option<&str>, ticket: &str) -> Option<Vec<Button>> {
    Button::open_ticket(
        texts::open_ticket(Lang::Id),
        ticket,
        false,
        None,
        mini_app_link,
    )
    .map(|button| vec![button])
}

/// Brings the cards of `tickets` up to date and sets the reaction each names, if any, on
/// its request: an edit is queued for each card whose ticket now reads differently from
/// what was last queued for it. Cards of groups without buttons, cards whose Feedback 1
/// was never delivered and cards Telegram no longer has are left alone. A few statements
/// for the lot, however many tickets.
pub async fn show(
    tx: &mut Conn,
    features: &GroupFeatures,
    tickets: &[(i64, Option<&str>)],
) -> Result<(), sqlx::Error> {
    let reacting = features.reactions && tickets.iter().any(|(_, r)| r.is_some());
    if tickets.is_empty() || !(features.buttons || reacting) {
        return Ok(());
    }
    let nos: Vec<i64> = tickets.iter().map(|&(no, _)| no).collect();
    let reactions: HashMap<i64, &str> = tickets
        .iter()
        .filter_map(|&(no, reaction)| Some((no, reaction?)))
        .collect();
    let tickets = read(tx, &nos).await?;
    if features.reactions {
        react(tx, &tickets, &reactions).await?;
    }
    if !features.buttons {
        return Ok(());
    }
    bring_up_to_date(tx, features, &tickets).await
}

/// Queues an edit of each card of `tickets` (as just read) that reads differently from
/// what was last queued for it.
async fn bring_up_to_date(
    tx: &mut Conn,
    features: &GroupFeatures,
    tickets: &[Ticket],
) -> Result<(), sqlx::Error> {
    if !features.buttons {
        return Ok(());
    }
    let nos: Vec<i64> = tickets.iter().map(|t| t.card.no).collect();
    let shown = last_queued(tx, &nos).await?;
    let mut edits = Vec::new();
    for ticket in tickets {
        let Some(shown) = shown.get(&ticket.card.no) else {
            continue;
        };
        let Some(card) = shown.target else { continue };
        let html = ticket.card.html(ticket.zone);
        let keyboard = ticket.card.keyboard(features);
        if shown.html == html && shown.keyboard == keyboard {
            continue;
        }
        let edit = Outgoing::EditMessage {
            chat_id: ticket.chat_id,
            message: MessageRef::Outbox(card),
            html,
            keyboard,
        };
        edits.push((edit, card_about(ticket.card.no)));
    }
    outbox::enqueue_many_about(tx, &edits).await
}

/// The outbox tag of ticket `no`'s card edits.
fn card_about(no: i64) -> String {
    format!("order:{no}:card")
}

/// A ticket as its card, its request and a press on it need it.
struct Ticket {
    chat_id: i64,
    message_id: i32,
    /// Its group's clock.
    zone: Zone,
    picked_by: Option<i64>,
    card: Card,
}

/// The columns [`ticket_from_row`] reads, over [`TICKET_FROM`].
fn ticket_columns() -> String {
    format!(
        "o.no, o.chat_id, o.message_id, o.status, o.ticket_no, o.order_id, o.transaksi, \
         p.name, o.picked_at, c.name, o.closed_at, o.close_due_at, \
         (SELECT COUNT(*) FROM timers t WHERE t.kind = '{PICKUP_TOLD}' AND t.entity = o.no), \
         o.picked_by, g.zone"
    )
}

/// The tables [`ticket_columns`] reads: the order, who picked it up and closed it, and its
/// group (for its clock).
const TICKET_FROM: &str = "orders o LEFT JOIN users p ON p.id = o.picked_by \
     LEFT JOIN users c ON c.id = o.closed_by LEFT JOIN groups g ON g.chat_id = o.chat_id";

/// A ticket from [`ticket_columns`], starting at column `at` of `row`.
fn ticket_from_row(row: &AnyRow, at: usize) -> Result<Ticket, sqlx::Error> {
    let status: String = row.try_get(at + 3)?;
    let stage = match Status::parse(&status) {
        Some(Status::Pickup) => Stage::PickedUp {
            by: row
                .try_get::<Option<String>, _>(at + 7)?
                .unwrap_or_default(),
            at: row.try_get::<Option<i64>, _>(at + 8)?.unwrap_or_default(),
            close_due_at: row.try_get(at + 11)?,
            undoable: row.try_get::<i64, _>(at + 12)? > 0,
        },
        Some(Status::Close) => Stage::Resolved {
            by: row
                .try_get::<Option<String>, _>(at + 9)?
                .unwrap_or_default(),
            at: row.try_get::<Option<i64>, _>(at + 10)?.unwrap_or_default(),
        },
        _ => Stage::Waiting,
    };
    let message_id: i64 = row.try_get(at + 2)?;
    let zone: Option<String> = row.try_get(at + 14)?;
    Ok(Ticket {
        chat_id: row.try_get(at + 1)?,
        message_id: message_id as i32,
        zone: zone.as_deref().and_then(Zone::parse).unwrap_or_default(),
        picked_by: row.try_get(at + 13)?,
        card: Card {
            no: row.try_get(at)?,
            ticket: row.try_get(at + 4)?,
            order_id: row.try_get(at + 5)?,
            transaksi: row.try_get(at + 6)?,
            stage,
        },
    })
}

async fn read(tx: &mut Conn, nos: &[i64]) -> Result<Vec<Ticket>, sqlx::Error> {
    let mut tickets = Vec::with_capacity(nos.len());
    for chunk in nos.chunks(Backend::of(tx).rows_per_statement(1)) {
        let sql = format!(
            "SELECT {} FROM {TICKET_FROM} WHERE o.no IN {}",
            ticket_columns(),
            values_placeholders(1, 1, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for no in chunk {
            query = query.bind(*no);
        }
        for row in query.fetch_all(&mut *tx).await? {
            tickets.push(ticket_from_row(&row, 0)?);
        }
    }
    Ok(tickets)
}

/// What a card shows, or will once the sender has caught up: the last edit queued for it,
/// else Feedback 1 as sent.
struct Shown {
    /// Feedback 1's outbox row, which the edits name; `None` when there is nothing to edit
    /// (Feedback 1 was refused, or Telegram no longer has the card).
    target: Option<i64>,
    html: String,
    keyboard: Keyboard,
}

async fn last_queued(tx: &mut Conn, nos: &[i64]) -> Result<HashMap<i64, Shown>, sqlx::Error> {
    let mut shown: HashMap<i64, Shown> = HashMap::new();
    for chunk in nos.chunks(Backend::of(tx).rows_per_statement(2)) {
        let tags: Vec<(i64, String, String)> = chunk
            .iter()
            .map(|&no| (no, OrderMessage::Received.about(no), card_about(no)))
            .collect();
        let sql = format!(
            "SELECT id, about, payload, status, last_error FROM outbox WHERE about IN {} ORDER BY id",
            values_placeholders(1, 1, tags.len() * 2)
        );
        let mut query = sqlx::query(&sql);
        for (_, received, card) in &tags {
            query = query.bind(received).bind(card);
        }
        let by_tag: HashMap<&str, i64> = tags
            .iter()
            .flat_map(|(no, received, card)| [(received.as_str(), *no), (card.as_str(), *no)])
            .collect();
        for row in query.fetch_all(&mut *tx).await? {
            let id: i64 = row.try_get(0)?;
            let about: String = row.try_get(1)?;
            let payload: String = row.try_get(2)?;
            let status: String = row.try_get(3)?;
            let error: Option<String> = row.try_get(4)?;
            let Some(&no) = by_tag.get(about.as_str()) else {
                continue;
            };
            let Ok(message) = serde_json::from_str::<Outgoing>(&payload) else {
                continue;
            };
            match message {
                Outgoing::SendMessage { html, keyboard, .. } => {
                    let delivered = status != "failed";
                    shown.insert(
                        no,
                        Shown {
                            target: delivered.then_some(id),
                            html,
                            keyboard,
                        },
                    );
                }
                Outgoing::EditMessage { html, keyboard, .. } => {
                    if let Some(card) = shown.get_mut(&no) {
                        // A card deleted in the chat stays deleted.
                        let gone = error.as_deref().is_some_and(outbox::edit_target_gone);
                        if gone {
                            card.target = None;
                        } else if card.target.is_some() {
                            card.html = html;
                            card.keyboard = keyboard;
                        }
                    }
                }
                _ => {}
            }
        }
    }
    Ok(shown)
}

/// Sets the reaction `emojis` names for each of `tickets` on its request, except in groups
/// that refused a reaction before (reactions may be turned off there): that is logged
/// once and not tried again.
async fn react(
    tx: &mut Conn,
    tickets: &[Ticket],
    emojis: &HashMap<i64, &str>,
) -> Result<(), sqlx::Error> {
    let mut refused: HashMap<i64, bool> = HashMap::new();
    let mut reactions = Vec::new();
    for ticket in tickets {
        let Some(emoji) = emojis.get(&ticket.card.no) else {
            continue;
        };
        let refused = match refused.get(&ticket.chat_id) {
            Some(&refused) => refused,
            None => {
                let answer = outbox::reactions_refused(tx, ticket.chat_id).await?;
                refused.insert(ticket.chat_id, answer);
                answer
            }
        };
        if refused {
            continue;
        }
        reactions.push(outbox::reaction(ticket.chat_id, ticket.message_id, emoji));
    }
    outbox::enqueue_many_about(tx, &reactions).await
}

/// What a press is answered with: shown to the presser alone, as an alert for a refusal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PressAnswer {
    pub text: String,
    pub alert: bool,
}

impl PressAnswer {
    fn note(text: String) -> Self {
        Self { text, alert: false }
    }

    fn alert(text: String) -> Self {
        Self { text, alert: true }
    }
}

/// Someone (Telegram user `presser`) pressed `press` of ticket `no` on a card in chat
/// `chat_id`: makes the step if they may, inside `tx`, and says what to answer, in `lang`.
/// A ticket that is not that chat's is unknown; a refusal changes nothing; a ticket
/// that moved elsewhere is answered with where it stands, and its card brought up to date.
pub async fn press(
    tx: &mut Conn,
    rules: &Rules,
    presser: i64,
    chat_id: i64,
    press: Press,
    no: i64,
    lang: Lang,
) -> Result<PressAnswer, sqlx::Error> {
    let Some((ticket, actor, member)) = find_pressed(tx, no, chat_id, presser).await? else {
        return Ok(PressAnswer::alert(texts::card_unknown(lang)));
    };
    let actor = match access::works_group_tickets(actor.as_ref(), member) {
        Ok(actor) => actor.clone(),
        Err(refusal) => return Ok(PressAnswer::alert(refused(refusal, lang))),
    };
    let mine = ticket.picked_by == Some(actor.id);
    let (picker, undoable) = match &ticket.card.stage {
        Stage::PickedUp { by, undoable, .. } => (by.as_str(), *undoable),
        _ => ("", false),
    };
    let name = &ticket.card.ticket;
    let refusal = match (press, &ticket.card.stage) {
        (Press::Pickup, Stage::Waiting) => None,
        (Press::Pickup, Stage::PickedUp { .. }) if !mine => {
            Some(texts::card_taken(name, picker, lang))
        }
        (Press::Undo, Stage::PickedUp { .. }) if !mine => {
            Some(texts::card_only_picker_undoes(picker, lang))
        }
        (Press::Undo, Stage::PickedUp { .. }) if !undoable => {
            Some(texts::card_too_late_to_undo(name, lang))
        }
        (Press::Undo, Stage::PickedUp { .. }) => None,
        (Press::Close, Stage::PickedUp { .. }) if !access::may_close(&actor, ticket.picked_by) => {
            Some(texts::only_the_picker_closes(picker).get(lang).to_owned())
        }
        (Press::Close, Stage::PickedUp { .. }) => None,
        // The card is behind the ticket: say where it stands.
        _ => Some(standing(&ticket, lang)),
    };
    if let Some(refusal) = refusal {
        bring_up_to_date(tx, &rules.group, std::slice::from_ref(&ticket)).await?;
        return Ok(PressAnswer::alert(refusal));
    }
    let step = Step {
        no,
        transition: press.transition(),
        actor,
        reason: None,
    };
    let moved = workflow::write_in(tx, &[&step], rules).await?;
    let Some(now) = read(tx, &[no]).await?.pop() else {
        return Ok(PressAnswer::alert(texts::card_unknown(lang)));
    };
    if !moved.first().copied().unwrap_or(false) {
        // Moved by another instance since it was read.
        bring_up_to_date(tx, &rules.group, std::slice::from_ref(&now)).await?;
        return Ok(PressAnswer::alert(standing(&now, lang)));
    }
    let name = &now.card.ticket;
    Ok(PressAnswer::note(match (press, &now.card.stage) {
        (Press::Pickup, Stage::PickedUp { close_due_at, .. }) => texts::card_picked_up_by_you(
            name,
            rules.pickup_undo,
            close_due_at.map(|due| due - crate::db::now_ms()),
            lang,
        ),
        (Press::Pickup, _) => texts::card_picked_up_by_you(name, rules.pickup_undo, None, lang),
        (Press::Undo, _) => texts::card_undone(name, lang),
        (Press::Close, _) => texts::card_closed_by_you(name, lang),
    }))
}

/// Where a ticket stands, for a press that came after it moved.
fn standing(ticket: &Ticket, lang: Lang) -> String {
    let name = &ticket.card.ticket;
    match &ticket.card.stage {
        Stage::Waiting => texts::card_waiting(name, lang),
        Stage::PickedUp { by, .. } => texts::card_taken(name, by, lang),
        Stage::Resolved { by, .. } => texts::card_already_resolved(name, by, lang),
    }
}

fn refused(refusal: GroupWorkRefusal, lang: Lang) -> String {
    let text = match refusal {
        GroupWorkRefusal::NotRegistered => Text::new(
            "Anda belum terdaftar sebagai staf. Daftar lewat chat pribadi dengan bot: /daftar.",
            "You are not registered as staff. Register in a private chat with the bot: /daftar.",
        ),
        GroupWorkRefusal::Pending => Text::new(
            "Akun Anda masih menunggu persetujuan owner atau admin.",
            "Your account is still waiting for an owner or admin to approve it.",
        ),
        GroupWorkRefusal::Inactive => Text::new(
            "Akun Anda tidak aktif. Hubungi owner atau admin tim.",
            "Your account is not active. Ask your team's owner or admin.",
        ),
        GroupWorkRefusal::NotInGroup => Text::new(
            "Anda bukan staf grup ini, jadi tidak bisa mengerjakan tiketnya.",
            "You are not staff of this group, so you cannot work its tickets.",
        ),
    };
    text.get(lang).to_owned()
}

/// Ticket `no` of chat `chat_id`, the account of Telegram user `presser` if any, and
/// whether Telegram says that account is in the group (`None`: never answered), in one
/// statement: a press is one of many at once.
async fn find_pressed(
    tx: &mut Conn,
    no: i64,
    chat_id: i64,
    presser: i64,
) -> Result<Option<(Ticket, Option<User>, Option<bool>)>, sqlx::Error> {
    let sql = format!(
        "SELECT {USER_COLUMNS}, m.is_member, {} FROM {TICKET_FROM} \
         LEFT JOIN users u ON u.telegram_id = $3 \
         LEFT JOIN group_members m ON m.user_id = u.id AND m.chat_id = o.chat_id \
         WHERE o.no = $1 AND o.chat_id = $2",
        ticket_columns()
    );
    let row = sqlx::query(&sql)
        .bind(no)
        .bind(chat_id)
        .bind(presser)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let account = match row.try_get::<Option<i64>, _>(0)? {
        Some(_) => Some(user_from_row(&row)?),
        None => None,
    };
    let member: Option<i64> = row.try_get(6)?;
    Ok(Some((
        ticket_from_row(&row, 7)?,
        account,
        member.map(|m| m == 1),
    )))
}
