//! Who may do what: the one place the rules live. The web and bot layers ask here ("may
//! this account see this group's tickets", "may this actor disable that account") and never
//! decide for themselves.
//!
//! - An **owner** does everything, including making and unmaking admins and owners.
//! - An **admin** approves and manages staff, sees every group and reopens closed tickets.
//! - **Staff** see and act on the tickets of the groups Telegram says they belong to, and
//!   leave notes on them.
//! - Only **active** accounts act at all; the last active owner cannot be demoted or
//!   disabled, so a team can never lock itself out.

use super::{AccountState, Role, User};
use crate::config::{self, Invalid, Settings};
use crate::lang::Lang;

/// Which tickets an account may see and act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every group's (owners and admins).
    Everything,
    /// Those of the groups this account (its id) is a member of, by Telegram's word.
    GroupsOf(i64),
}

/// The tickets `user` may see; an account that is not active sees none, but it cannot
/// reach this far (its sessions end when it stops being active).
pub fn scope(user: &User) -> Scope {
    match user.role {
        Role::Owner | Role::Admin if user.state == AccountState::Active => Scope::Everything,
        _ => Scope::GroupsOf(user.id),
    }
}

/// May `user` use the Tim page (accounts, approvals, the audit)?
pub fn manages_team(user: &User) -> bool {
    user.state == AccountState::Active && matches!(user.role, Role::Owner | Role::Admin)
}

/// May `user` set groups' time targets and business hours? The same people as the Tim
/// page's.
pub fn may_configure_groups(user: &User) -> bool {
    manages_team(user)
}

/// May `user` reopen a closed ticket they see? Owners and admins; staff close tickets but
/// do not undo a close.
pub fn may_reopen(user: &User) -> bool {
    manages_team(user)
}

/// Why someone may not work a group's tickets from a button in that group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupWorkRefusal {
    /// No account: they never sent `/daftar`.
    NotRegistered,
    /// Registered, waiting for an owner or admin.
    Pending,
    /// Disabled or rejected.
    Inactive,
    /// Staff who are not in the group, by Telegram's word (or of whom Telegram could not
    /// say).
    NotInGroup,
}

/// May `user` (the account of whoever pressed, if any) work the tickets of a group they
/// press a button in? Their account if so. Active owners and admins anywhere, active staff in a group Telegram
/// says they are in (`member_of_group`, `None` when it never answered): the same people
/// who see that group's tickets in the Mini App ([`scope`]).
pub fn works_group_tickets(
    user: Option<&User>,
    member_of_group: Option<bool>,
) -> Result<&User, GroupWorkRefusal> {
    let Some(user) = user else {
        return Err(GroupWorkRefusal::NotRegistered);
    };
    match (user.state, scope(user), member_of_group) {
        (AccountState::Pending, _, _) => Err(GroupWorkRefusal::Pending),
        (AccountState::Disabled | AccountState::Rejected, _, _) => Err(GroupWorkRefusal::Inactive),
        (AccountState::Active, Scope::Everything, _)
        | (AccountState::Active, Scope::GroupsOf(_), Some(true)) => Ok(user),
        (AccountState::Active, Scope::GroupsOf(_), _) => Err(GroupWorkRefusal::NotInGroup),
    }
}

/// May `user` close a ticket picked up by account `picked_by`? Whoever picked it up, and
/// owners and admins (who may also reopen it); other staff leave it to its picker.
pub fn may_close(user: &User, picked_by: Option<i64>) -> bool {
    manages_team(user) || picked_by == Some(user.id)
}

/// May `user` run the shop (stock, products, orders, refunds)? Active owners and admins,
/// as the owner's document has it: sellers are admins.
pub fn runs_shop(user: &User) -> bool {
    manages_team(user)
}

/// May `user` see how the team is doing (the Laporan page, `/rekap`)? The same people as
/// the Tim page's.
pub fn sees_reports(user: &User) -> bool {
    manages_team(user)
}

/// Whether someone may work hotel bookings, as far as can be told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookingWork {
    Allowed,
    Refused,
    /// It hangs on their being in the FO chat, and Telegram has not been able to say.
    Unconfirmed,
}

/// May `user` work hotel bookings (list them, mark them paid or cancelled)? Active owners
/// and admins, and active staff in the FO chat (`in_front_office`, by Telegram's word;
/// `None` when it never answered).
pub fn works_bookings(user: &User, in_front_office: Option<bool>) -> BookingWork {
    if user.state != AccountState::Active {
        return BookingWork::Refused;
    }
    match (user.role, in_front_office) {
        (Role::Owner | Role::Admin, _) | (Role::Staff, Some(true)) => BookingWork::Allowed,
        (Role::Staff, Some(false)) => BookingWork::Refused,
        (Role::Staff, None) => BookingWork::Unconfirmed,
    }
}

/// Whether `user`'s work on bookings hangs on their being in the FO chat: active staff's
/// does (owners and admins work bookings anyway, inactive accounts never).
pub fn works_bookings_if_in_front_office(user: &User) -> bool {
    user.state == AccountState::Active && user.role == Role::Staff
}

/// How a new registration starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RegistrationMode {
    /// New accounts wait for an owner or admin.
    #[default]
    Approval,
    /// New accounts are active staff at once.
    Open,
    /// `/daftar` is refused (but for the configured owners).
    Closed,
}

impl RegistrationMode {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "approval" => Some(Self::Approval),
            "open" => Some(Self::Open),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }
}

/// How `/daftar` accounts start, and who becomes an owner by registering.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Registration {
    /// How a `/daftar` account starts: waiting for approval, active, or refused.
    pub mode: RegistrationMode,
    /// Telegram ids that become active owners when they register.
    pub owners: Vec<i64>,
}

/// The registration as written (`registration`, `owners`).
#[derive(Debug, serde::Deserialize)]
pub struct RegistrationWritten {
    registration: Option<String>,
    owners: Option<String>,
}

impl Settings for Registration {
    type Written = RegistrationWritten;

    fn check(written: RegistrationWritten) -> Result<Self, Invalid> {
        Ok(Self {
            mode: match written.registration {
                Some(mode) => RegistrationMode::parse(&mode)
                    .ok_or_else(|| Invalid::new("registration", "use approval, open or closed"))?,
                None => RegistrationMode::default(),
            },
            owners: match written.owners {
                Some(list) => config::telegram_ids("owners", &list)?,
                None => Vec::new(),
            },
        })
    }
}

/// The role and state a new account gets, or `None` if it may not register at all.
/// `is_configured_owner`: its Telegram id is in `TANGKAP_OWNERS`, which is how the first
/// owner appears on a fresh install.
pub fn new_account(
    mode: RegistrationMode,
    is_configured_owner: bool,
) -> Option<(Role, AccountState)> {
    match (is_configured_owner, mode) {
        (true, _) => Some((Role::Owner, AccountState::Active)),
        (false, RegistrationMode::Open) => Some((Role::Staff, AccountState::Active)),
        (false, RegistrationMode::Approval) => Some((Role::Staff, AccountState::Pending)),
        (false, RegistrationMode::Closed) => None,
    }
}

/// A change to an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountChange {
    Approve,
    Reject,
    Disable,
    Enable,
    SetRole(Role),
}

impl AccountChange {
    /// The word recorded in the audit log.
    pub fn action(self) -> &'static str {
        match self {
            AccountChange::Approve => "approve",
            AccountChange::Reject => "reject",
            AccountChange::Disable => "disable",
            AccountChange::Enable => "enable",
            AccountChange::SetRole(_) => "role",
        }
    }

    /// The account as it stands after the change.
    pub fn applied_to(self, target: &User) -> (Role, AccountState) {
        match self {
            AccountChange::Approve | AccountChange::Enable => (target.role, AccountState::Active),
            AccountChange::Reject => (target.role, AccountState::Rejected),
            AccountChange::Disable => (target.role, AccountState::Disabled),
            AccountChange::SetRole(role) => (role, target.state),
        }
    }
}

/// Who asks for a change.
#[derive(Clone, Copy, Debug)]
pub enum Actor<'a> {
    /// A person, through the Mini App or a button in Telegram.
    Member(&'a User),
    /// Whoever runs the server, through `tangkap user`: an owner's powers.
    Console,
}

/// Why a change is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("only active owners and admins manage accounts")]
    NotAllowed,
    #[error("only an owner makes or unmakes admins and owners")]
    OwnerOnly,
    #[error("the last active owner cannot be demoted or disabled")]
    LastOwner,
    #[error("nobody changes their own account here")]
    OwnAccount,
    #[error("the account is {0}, so this change does not apply")]
    NotApplicable(&'static str),
}

impl Refusal {
    /// A stable name for the refusal, the API's `reason`.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::NotAllowed => "not_allowed",
            Refusal::OwnerOnly => "owner_only",
            Refusal::LastOwner => "last_owner",
            Refusal::OwnAccount => "own_account",
            Refusal::NotApplicable(_) => "not_applicable",
        }
    }

    /// The account state a [`Refusal::NotApplicable`] names.
    pub fn state(self) -> Option<&'static str> {
        match self {
            Refusal::NotApplicable(state) => Some(state),
            _ => None,
        }
    }

    /// The sentence shown to people, in `lang`.
    pub fn explain(self, lang: Lang) -> String {
        match (self, lang) {
            (Refusal::NotAllowed, Lang::Id) => {
                "Hanya owner dan admin aktif yang dapat mengelola akun.".into()
            }
            (Refusal::NotAllowed, Lang::En) => {
                "Only active owners and admins can manage accounts.".into()
            }
            (Refusal::OwnerOnly, Lang::Id) => {
                "Hanya owner yang dapat mengangkat atau menurunkan admin dan owner.".into()
            }
            (Refusal::OwnerOnly, Lang::En) => {
                "Only an owner can make or unmake admins and owners.".into()
            }
            (Refusal::LastOwner, Lang::Id) => {
                "Owner aktif terakhir tidak bisa diturunkan atau dinonaktifkan.".into()
            }
            (Refusal::LastOwner, Lang::En) => {
                "The last active owner cannot be demoted or disabled.".into()
            }
            (Refusal::OwnAccount, Lang::Id) => "Anda tidak bisa mengubah akun Anda sendiri.".into(),
            (Refusal::OwnAccount, Lang::En) => "You cannot change your own account.".into(),
            (Refusal::NotApplicable(state), Lang::Id) => format!(
                "Akun ini berstatus {}, jadi perubahan ini tidak berlaku.",
                state_word(state, lang)
            ),
            (Refusal::NotApplicable(state), Lang::En) => format!(
                "This account is {}, so this change does not apply.",
                state_word(state, lang)
            ),
        }
    }
}

fn state_word(state: &str, lang: Lang) -> &'static str {
    match state {
        "pending" => lang.pick("menunggu persetujuan", "waiting for approval"),
        "active" => lang.pick("aktif", "active"),
        "disabled" => lang.pick("nonaktif", "disabled"),
        _ => lang.pick("ditolak", "rejected"),
    }
}

/// May `actor` make `change` to `target`? `active_owners` counts the active owners now.
pub fn may_change(
    actor: Actor<'_>,
    target: &User,
    change: AccountChange,
    active_owners: i64,
) -> Result<(), Refusal> {
    use AccountState::*;
    let actor_role = match actor {
        Actor::Console => Role::Owner,
        Actor::Member(user) if !manages_team(user) => return Err(Refusal::NotAllowed),
        Actor::Member(user) if user.id == target.id => return Err(Refusal::OwnAccount),
        Actor::Member(user) => user.role,
    };
    let applicable = match change {
        AccountChange::Approve | AccountChange::Reject => target.state == Pending,
        AccountChange::Disable => target.state == Active,
        AccountChange::Enable => matches!(target.state, Disabled | Rejected),
        AccountChange::SetRole(role) => role != target.role,
    };
    if !applicable {
        return Err(Refusal::NotApplicable(target.state.as_str()));
    }
    // Admins and owners are an owner's business, both who they are and whom they become.
    let touches_leaders = target.role != Role::Staff
        || matches!(change, AccountChange::SetRole(role) if role != Role::Staff);
    if touches_leaders && actor_role != Role::Owner {
        return Err(Refusal::OwnerOnly);
    }
    let (role_after, state_after) = change.applied_to(target);
    let loses_an_owner = target.role == Role::Owner
        && target.state == Active
        && (role_after != Role::Owner || state_after != Active);
    if loses_an_owner && active_owners <= 1 {
        return Err(Refusal::LastOwner);
    }
    Ok(())
}

/// The changes `actor` may make to `target` now, for the page to offer as buttons.
pub fn offered_changes(actor: Actor<'_>, target: &User, active_owners: i64) -> Vec<AccountChange> {
    let mut changes = vec![
        AccountChange::Approve,
        AccountChange::Reject,
        AccountChange::Disable,
        AccountChange::Enable,
    ];
    changes.extend(Role::ALL.map(AccountChange::SetRole));
    changes.retain(|&change| may_change(actor, target, change, active_owners).is_ok());
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: i64, role: Role, state: AccountState) -> User {
        User {
            id,
            name: format!("User {id}"),
            username: format!("user{id}"),
            telegram_id: 1000 + id,
            role,
            state,
        }
    }

    #[test]
    fn staff_see_their_groups_and_leaders_see_all() {
        let staff = account(1, Role::Staff, AccountState::Active);
        let admin = account(2, Role::Admin, AccountState::Active);
        let owner = account(3, Role::Owner, AccountState::Active);
        assert_eq!(scope(&staff), Scope::GroupsOf(1));
        assert_eq!(scope(&admin), Scope::Everything);
        assert_eq!(scope(&owner), Scope::Everything);
        let disabled_admin = account(4, Role::Admin, AccountState::Disabled);
        assert_eq!(scope(&disabled_admin), Scope::GroupsOf(4));
        assert!(!manages_team(&staff) && manages_team(&admin) && !manages_team(&disabled_admin));
    }

    #[test]
    fn staff_work_bookings_by_the_fo_chats_word_and_leaders_always() {
        use BookingWork::*;
        let staff = account(1, Role::Staff, AccountState::Active);
        let admin = account(2, Role::Admin, AccountState::Active);
        let disabled = account(3, Role::Staff, AccountState::Disabled);
        assert_eq!(works_bookings(&staff, Some(true)), Allowed);
        assert_eq!(works_bookings(&staff, Some(false)), Refused);
        assert_eq!(works_bookings(&staff, None), Unconfirmed);
        assert_eq!(works_bookings(&admin, None), Allowed);
        assert_eq!(works_bookings(&disabled, Some(true)), Refused);
        assert_eq!(works_bookings(&disabled, None), Refused);
        assert!(works_bookings_if_in_front_office(&staff));
        assert!(!works_bookings_if_in_front_office(&admin));
        assert!(!works_bookings_if_in_front_office(&disabled));
    }

    #[test]
    fn a_groups_buttons_work_for_its_staff_and_leaders_and_closing_for_the_picker() {
        use GroupWorkRefusal::*;
        let staff = account(1, Role::Staff, AccountState::Active);
        let admin = account(2, Role::Admin, AccountState::Active);
        let pending = account(3, Role::Staff, AccountState::Pending);
        let disabled_admin = account(4, Role::Admin, AccountState::Disabled);
        assert_eq!(works_group_tickets(None, Some(true)), Err(NotRegistered));
        assert_eq!(
            works_group_tickets(Some(&pending), Some(true)),
            Err(Pending)
        );
        assert_eq!(
            works_group_tickets(Some(&disabled_admin), None),
            Err(Inactive)
        );
        assert_eq!(works_group_tickets(Some(&staff), Some(true)), Ok(&staff));
        assert_eq!(
            works_group_tickets(Some(&staff), Some(false)),
            Err(NotInGroup)
        );
        assert_eq!(works_group_tickets(Some(&staff), None), Err(NotInGroup));
        assert_eq!(works_group_tickets(Some(&admin), None), Ok(&admin));
        assert!(may_close(&staff, Some(1)));
        assert!(!may_close(&staff, Some(9)));
        assert!(may_close(&admin, Some(9)));
        assert!(!may_close(&disabled_admin, Some(9)));
    }

    #[test]
    fn registration_modes() {
        use RegistrationMode::*;
        assert_eq!(
            new_account(Approval, false),
            Some((Role::Staff, AccountState::Pending))
        );
        assert_eq!(
            new_account(Open, false),
            Some((Role::Staff, AccountState::Active))
        );
        assert_eq!(new_account(Closed, false), None);
        assert_eq!(
            new_account(Closed, true),
            Some((Role::Owner, AccountState::Active))
        );
        assert_eq!(RegistrationMode::parse(" OPEN "), Some(Open));
        assert_eq!(RegistrationMode::parse("maybe"), None);
    }

    #[test]
    fn admins_manage_staff_only_and_owners_manage_everyone() {
        let owner = account(1, Role::Owner, AccountState::Active);
        let admin = account(2, Role::Admin, AccountState::Active);
        let staff = account(3, Role::Staff, AccountState::Active);
        let pending = account(4, Role::Staff, AccountState::Pending);
        let other_admin = account(5, Role::Admin, AccountState::Active);
        let by_admin = Actor::Member(&admin);
        assert_eq!(
            may_change(by_admin, &pending, AccountChange::Approve, 1),
            Ok(())
        );
        assert_eq!(
            may_change(by_admin, &staff, AccountChange::Disable, 1),
            Ok(())
        );
        assert_eq!(
            may_change(by_admin, &staff, AccountChange::SetRole(Role::Admin), 1),
            Err(Refusal::OwnerOnly)
        );
        assert_eq!(
            may_change(by_admin, &other_admin, AccountChange::Disable, 1),
            Err(Refusal::OwnerOnly)
        );
        assert_eq!(
            may_change(
                Actor::Member(&owner),
                &staff,
                AccountChange::SetRole(Role::Admin),
                1
            ),
            Ok(())
        );
        assert_eq!(
            may_change(Actor::Member(&staff), &pending, AccountChange::Approve, 1),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(
            may_change(by_admin, &admin, AccountChange::Disable, 1),
            Err(Refusal::OwnAccount)
        );
        assert_eq!(
            may_change(by_admin, &staff, AccountChange::Approve, 1),
            Err(Refusal::NotApplicable("active"))
        );
    }

    #[test]
    fn the_last_active_owner_stays() {
        let owner = account(1, Role::Owner, AccountState::Active);
        for change in [AccountChange::Disable, AccountChange::SetRole(Role::Admin)] {
            assert_eq!(
                may_change(Actor::Console, &owner, change, 1),
                Err(Refusal::LastOwner)
            );
            assert_eq!(may_change(Actor::Console, &owner, change, 2), Ok(()));
        }
        let second = account(2, Role::Owner, AccountState::Active);
        assert_eq!(
            offered_changes(Actor::Member(&second), &owner, 1),
            vec![] as Vec<AccountChange>
        );
        assert_eq!(
            offered_changes(Actor::Member(&second), &owner, 2),
            vec![
                AccountChange::Disable,
                AccountChange::SetRole(Role::Admin),
                AccountChange::SetRole(Role::Staff)
            ]
        );
    }
}
