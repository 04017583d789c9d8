//! Accounts and sessions. Passwords are argon2id hashes; a session token is 32 random
//! bytes shown once to the client and stored only as its sha256, so a copy of the
//! database file does not hand out live sessions.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::Duration;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{Result, ServiceError, Services};
use crate::domain::account;
pub use crate::domain::account::{
    Principal, Session, User, DEVICE_SESSION_DAYS, USER_SESSION_HOURS,
};
use crate::domain::center::Role;
use crate::domain::queue::{CounterId, ServiceId};
use crate::domain::throttle::ThrottlePolicy;
use crate::events::{Actor, EventKind};

pub const MIN_PASSWORD_LEN: usize = 4;
/// A real argon2id hash verified against for unknown usernames (same cost as a real check).
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("motcua-dummy").unwrap_or_default())
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub(crate) fn new_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

type HashJob = Box<dyn FnOnce() + Send>;

/// Every argon2id computation runs on one dedicated thread. Each takes 19 MiB of working
/// memory; spread over the blocking pool's threads, the allocator would keep that much per
/// thread (one arena each) and a few dozen logins would pin hundreds of MB. One thread also
/// bounds the CPU a burst of login attempts can take.
fn on_hash_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    static JOBS: std::sync::OnceLock<std::sync::Mutex<std::sync::mpsc::Sender<HashJob>>> =
        std::sync::OnceLock::new();
    let jobs = JOBS.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<HashJob>();
        let _ = std::thread::Builder::new()
            .name("argon2".into())
            .spawn(move || {
                for job in rx {
                    job();
                }
            });
        std::sync::Mutex::new(tx)
    });
    let (reply, answer) = std::sync::mpsc::channel();
    let job: HashJob = Box::new(move || {
        let _ = reply.send(f());
    });
    jobs.lock()
        .unwrap_or_else(|p| p.into_inner())
        .send(job)
        .ok()?;
    answer.recv().ok()
}

pub fn hash_password(password: &str) -> Result<String> {
    let password = password.to_string();
    on_hash_thread(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    })
    .unwrap_or_else(|| Err("hash thread unavailable".into()))
    .map_err(|e| ServiceError::Internal(format!("password hash: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_string(), hash.to_string());
    on_hash_thread(move || {
        PasswordHash::new(&hash).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .unwrap_or(false)
}

fn valid_username(name: &str) -> bool {
    (2..=32).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

/// What an admin may change in a person's account (the username is the key and stays).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct UserEdit {
    pub display_name: String,
    pub role: Role,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default)]
    pub counters: Vec<CounterId>,
    #[serde(default)]
    pub areas: Vec<ServiceId>,
}

fn dedup<T: Ord + Copy>(v: &[T]) -> Vec<T> {
    let mut v = v.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

impl Services {
    /// Username + password → a new session token.
    pub fn login(
        &self,
        username: &str,
        password: &str,
        addr: Option<String>,
    ) -> Result<(String, Principal)> {
        let bad = || ServiceError::Unauthorized("Tên đăng nhập hoặc mật khẩu không đúng".into());
        let now = self.clock.now();
        let addr_key = format!("a:{}", addr.as_deref().unwrap_or("-"));
        let pair_key = format!("u:{username}|{}", addr.as_deref().unwrap_or("-"));
        {
            let th = self.throttle.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(wait) = th
                .locked(&pair_key, now)
                .or_else(|| th.locked(&addr_key, now))
            {
                return Err(ServiceError::Throttled(wait));
            }
        }
        let user: Option<User> = self.store.read()?.user(username)?;
        let ok = match &user {
            Some(u) => !u.disabled && verify_password(password, &u.password_hash),
            None => {
                // Same work for unknown names, so timing does not reveal which exist.
                let _ = verify_password(password, dummy_hash());
                false
            }
        };
        {
            let mut th = self.throttle.lock().unwrap_or_else(|p| p.into_inner());
            if ok {
                th.success(&pair_key);
            } else {
                th.failure(&pair_key, &ThrottlePolicy::per_user_and_address(), now);
                th.failure(&addr_key, &ThrottlePolicy::per_address(), now);
            }
        }
        let user = match (ok, user) {
            (true, Some(u)) => u,
            _ => return Err(bad()),
        };
        let principal = Principal {
            name: user.username.clone(),
            display_name: user.display_name.clone(),
            role: user.role,
            device: false,
            must_change_password: user.must_change_password,
        };
        let actor = Actor {
            name: user.username.clone(),
            role: user.role.as_str().into(),
            addr,
        };
        let token = new_token();
        self.run(&actor, |tx, now| {
            let s = Session {
                principal: principal.clone(),
                created_at: now,
                expires_at: now + Duration::hours(USER_SESSION_HOURS),
            };
            tx.put_session(&hash_token(&token), &s)?;
            tx.emit(EventKind::SessionOpened {
                username: user.username.clone(),
            });
            Ok(())
        })?;
        Ok((token, principal))
    }

    /// The answer for `token` when the session cache knows it (no store access): `Some`
    /// of the principal or of `None` for a malformed token; `None` when the store must say.
    pub fn cached_principal(&self, token: &str) -> Option<Option<Principal>> {
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Some(None);
        }
        let cache = self.session_cache.lock().unwrap_or_else(|p| p.into_inner());
        let s = cache.get(&hash_token(token))?;
        Some((s.expires_at > self.clock.now()).then(|| s.principal.clone()))
    }

    /// The principal of a live session token, if any.
    pub fn authenticate(&self, token: &str) -> Result<Option<Principal>> {
        if let Some(known) = self.cached_principal(token) {
            return Ok(known);
        }
        let key = hash_token(token);
        let rx = self.store.read()?;
        let mut s: Option<Session> = rx.session(&key)?;
        // A person's session follows their account: disabled → signed out; a new role or
        // display name applies (update_user empties the cache so this runs again).
        if let Some(sess) = s.as_mut().filter(|s| !s.principal.device) {
            match rx.user::<User>(&sess.principal.name)? {
                Some(u) if !u.disabled => {
                    sess.principal.role = u.role;
                    sess.principal.display_name = u.display_name;
                }
                _ => s = None,
            }
        }
        if let Some(s) = &s {
            let mut cache = self.session_cache.lock().unwrap_or_else(|p| p.into_inner());
            if cache.len() >= 10_000 {
                cache.clear();
            }
            cache.insert(key, s.clone());
        }
        Ok(s.filter(|s| s.expires_at > self.clock.now())
            .map(|s| s.principal))
    }

    pub(crate) fn forget_session(&self, token_hash: &str) {
        self.session_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(token_hash);
    }

    pub fn logout(&self, actor: &Actor, token: &str) -> Result<()> {
        self.run(actor, |tx, _| Ok(tx.delete_session(&hash_token(token))?))?;
        self.forget_session(&hash_token(token));
        Ok(())
    }

    pub fn create_user(
        &self,
        actor: &Actor,
        username: &str,
        display_name: &str,
        role: Role,
        password: &str,
        must_change_password: bool,
    ) -> Result<User> {
        if !valid_username(username) {
            return Err(ServiceError::Invalid(
                "Tên đăng nhập gồm 2–32 chữ cái không dấu, số, '.', '-' hoặc '_'".into(),
            ));
        }
        if role.is_device() {
            return Err(ServiceError::Invalid(
                "Vai trò thiết bị không dùng cho tài khoản người".into(),
            ));
        }
        if password.chars().count() < MIN_PASSWORD_LEN {
            return Err(ServiceError::Invalid(format!(
                "Mật khẩu cần ít nhất {MIN_PASSWORD_LEN} ký tự"
            )));
        }
        let display_name = account::display_name(display_name)
            .map_err(|m| ServiceError::rejected("bad_display_name", m))?;
        let user = User {
            username: username.to_string(),
            display_name,
            role,
            password_hash: hash_password(password)?,
            must_change_password,
            disabled: false,
            counters: vec![],
            areas: vec![],
        };
        self.run(actor, |tx, _| {
            if tx.user::<User>(username)?.is_some() {
                return Err(ServiceError::conflict(
                    "username_taken",
                    format!("Tài khoản {username} đã tồn tại"),
                ));
            }
            tx.put_user(username, &user)?;
            tx.emit(EventKind::UserChanged {
                username: username.into(),
                role: role.as_str().into(),
                action: "create".into(),
            });
            Ok(user)
        })
    }

    /// First start of a real center: with no account at all, create `admin` with a random
    /// one-time password (returned, to be shown once in the journal) that must be changed.
    pub fn ensure_first_admin(&self) -> Result<Option<String>> {
        if !self.users()?.is_empty() {
            return Ok(None);
        }
        const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
        let mut b = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut b);
        let password: String = b
            .iter()
            .map(|x| ALPHABET[*x as usize % ALPHABET.len()] as char)
            .collect();
        self.create_user(
            &Actor::system(),
            "admin",
            "Quản trị viên",
            Role::Admin,
            &password,
            true,
        )?;
        Ok(Some(password))
    }

    /// A user sets a new password (knowing the current one). Clears the must-change flag
    /// on the user and on the calling session.
    pub fn change_password(
        &self,
        actor: &Actor,
        token: &str,
        current: &str,
        new: &str,
    ) -> Result<()> {
        if new.chars().count() < MIN_PASSWORD_LEN.max(8) {
            return Err(ServiceError::Invalid(
                "Mật khẩu mới cần ít nhất 8 ký tự".into(),
            ));
        }
        if new == current {
            return Err(ServiceError::Invalid(
                "Mật khẩu mới phải khác mật khẩu cũ".into(),
            ));
        }
        let mut user: User = self
            .store
            .read()?
            .user(&actor.name)?
            .ok_or(ServiceError::NotFound("tài khoản"))?;
        if !verify_password(current, &user.password_hash) {
            return Err(ServiceError::Unauthorized(
                "Mật khẩu hiện tại không đúng".into(),
            ));
        }
        user.password_hash = hash_password(new)?;
        user.must_change_password = false;
        self.run(actor, |tx, _| {
            tx.put_user(&user.username, &user)?;
            let key = hash_token(token);
            if let Some(mut s) = tx.session::<Session>(&key)? {
                s.principal.must_change_password = false;
                tx.put_session(&key, &s)?;
            }
            tx.emit(EventKind::UserChanged {
                username: user.username.clone(),
                role: user.role.as_str().into(),
                action: "password".into(),
            });
            Ok(())
        })?;
        self.forget_session(&hash_token(token));
        Ok(())
    }

    /// An admin (or the shell, for a locked-out admin) sets a new one-time password.
    pub fn reset_password(&self, actor: &Actor, username: &str, new: &str) -> Result<()> {
        if new.chars().count() < MIN_PASSWORD_LEN {
            return Err(ServiceError::Invalid(format!(
                "Mật khẩu cần ít nhất {MIN_PASSWORD_LEN} ký tự"
            )));
        }
        let hash = hash_password(new)?;
        self.run(actor, |tx, _| {
            let mut user: User = tx
                .user(username)?
                .ok_or(ServiceError::NotFound("tài khoản"))?;
            user.password_hash = hash;
            user.must_change_password = true;
            user.disabled = false;
            tx.put_user(username, &user)?;
            tx.emit(EventKind::UserChanged {
                username: username.into(),
                role: user.role.as_str().into(),
                action: "reset_password".into(),
            });
            Ok(())
        })
    }

    /// An admin changes a person's account: display name, role, the counters and areas
    /// they work, or disables a leaver (their name stays on what they did). Their open
    /// sessions follow at once: a disabled account is signed out, a new role applies to
    /// the next request.
    pub fn update_user(&self, actor: &Actor, username: &str, edit: &UserEdit) -> Result<User> {
        let display_name = account::display_name(&edit.display_name)
            .map_err(|m| ServiceError::rejected("bad_display_name", m))?;
        if edit.role.is_device() {
            return Err(ServiceError::Invalid(
                "Vai trò thiết bị không dùng cho tài khoản người".into(),
            ));
        }
        if edit.disabled && actor.name == username {
            return Err(ServiceError::conflict(
                "cannot_disable_self",
                "Không thể tự khoá tài khoản đang dùng",
            ));
        }
        let user = self.run(actor, |tx, _| {
            let mut user: User = tx
                .user(username)?
                .ok_or(ServiceError::NotFound("tài khoản"))?;
            let users: Vec<User> = tx.users()?;
            if !account::admin_remains(&users, username, edit.role, edit.disabled) {
                return Err(ServiceError::conflict(
                    "last_admin",
                    "Đây là tài khoản quản trị cuối cùng: tạo hoặc mở một tài khoản quản trị khác trước",
                ));
            }
            for c in &edit.counters {
                if tx.counter(*c)?.is_none() {
                    return Err(ServiceError::rejected(
                        "unknown_counter",
                        format!("Không có quầy số {c}"),
                    ));
                }
            }
            for a in &edit.areas {
                if tx.service(*a)?.is_none() {
                    return Err(ServiceError::rejected(
                        "unknown_area",
                        format!("Không có lĩnh vực mã {a}"),
                    ));
                }
            }
            let action = match (user.disabled, edit.disabled) {
                (false, true) => "disable",
                (true, false) => "enable",
                _ => "update",
            };
            user.display_name = display_name;
            user.role = edit.role;
            user.disabled = edit.disabled;
            user.counters = dedup(&edit.counters);
            user.areas = dedup(&edit.areas);
            tx.put_user(username, &user)?;
            tx.emit(EventKind::UserChanged {
                username: username.into(),
                role: user.role.as_str().into(),
                action: action.into(),
            });
            Ok(user)
        })?;
        // Sessions re-read their account on the next request.
        self.session_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        Ok(user)
    }

    pub fn users(&self) -> Result<Vec<User>> {
        Ok(self.store.read()?.users()?)
    }

    /// A long-lived token for a device (kiosk, TV, rating tablet), recorded as a paired
    /// device (the demo's devices and tests use this directly, without a code).
    pub fn create_device_session(&self, actor: &Actor, name: &str, role: Role) -> Result<String> {
        if !role.is_device() {
            return Err(ServiceError::Invalid(
                "Vai trò không phải của thiết bị".into(),
            ));
        }
        self.register_device(actor, name, role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_verifies_only_the_right_password() {
        let h = hash_password("demo").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("demo", &h));
        assert!(!verify_password("Demo", &h));
        assert!(!verify_password("demo", "not a hash"));
    }

    #[test]
    fn usernames() {
        assert!(valid_username("canbo1"));
        assert!(!valid_username("c"));
        assert!(!valid_username("cán bộ"));
    }
}
