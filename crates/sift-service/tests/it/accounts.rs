//! Accounts on every backend: first-start setup, login and its rate limit, sessions, password
//! changes, invitations, keywords, and `authorize` refusing non-members and wrong roles.

use sift_domain::ReviewType;
use sift_domain::screening::Role;
use sift_service::{
    Accounts, Actor, Locator, MAX_FAILED_LOGINS, NewReviewSpec, Permission, Service, ServiceError,
    SessionKind,
};
use sift_store::testing::{TestDatabase, on_every_database};

fn locator(db: &TestDatabase) -> Locator {
    match db {
        TestDatabase::SqliteFile(path) => Locator::File(path.clone()),
        TestDatabase::Postgres(url) => {
            Locator::Database { url: url.clone(), review: Some("accounts".into()) }
        }
    }
}

async fn accounts_story(db: TestDatabase) {
    let spec = NewReviewSpec { title: "Pain".into(), review_type: ReviewType::Systematic, question: None };
    let service = Service::create(&locator(&db), &spec, &Actor::new("lise")).await.unwrap();
    let accounts = Accounts::of_review(&service);
    assert!(accounts.needs_setup().await.unwrap());

    // Setup: a link works once, for a new administrator who becomes an owner of the review.
    let stale = accounts.setup_link().await.unwrap().expect("a setup link while there are no accounts");
    let token = accounts.setup_link().await.unwrap().unwrap();
    let result = accounts.complete_setup(&stale, "admin", "correct horse battery", &[&service]).await;
    assert!(
        matches!(result, Err(ServiceError::Forbidden(_))),
        "an older setup link stops working: {result:?}"
    );
    let short = accounts.complete_setup(&token, "admin", "short", &[&service]).await;
    assert!(matches!(short, Err(ServiceError::Invalid { .. })), "{short:?}");
    let admin = accounts.complete_setup(&token, "admin", "correct horse battery", &[&service]).await.unwrap();
    assert!(admin.is_admin);
    let again = accounts.complete_setup(&token, "admin2", "correct horse battery", &[&service]).await;
    assert!(matches!(again, Err(ServiceError::Forbidden(_))), "{again:?}");
    assert_eq!(accounts.setup_link().await.unwrap(), None, "no setup once an account exists");
    let members = service.members().await.unwrap();
    assert!(members.iter().any(|m| m.name == "admin" && m.role == Role::Owner), "{members:?}");

    // Login, session, logout.
    let wrong = accounts.login("admin", "not the password", "10.0.0.1", SessionKind::Browser).await;
    assert!(matches!(wrong, Err(ServiceError::BadCredentials)), "{wrong:?}");
    let login =
        accounts.login("admin", "correct horse battery", "10.0.0.1", SessionKind::Browser).await.unwrap();
    let session = accounts.session(&login.token).await.unwrap().expect("a live session");
    assert_eq!(session.account.username, "admin");
    assert_eq!(session.csrf_token, login.session.csrf_token);
    assert!(accounts.session("not-a-token").await.unwrap().is_none());
    accounts.logout(&login.token).await.unwrap();
    assert!(accounts.session(&login.token).await.unwrap().is_none(), "logout ends the session");

    // Password change: checks the old one, ends other sessions, keeps this one.
    let one =
        accounts.login("admin", "correct horse battery", "10.0.0.1", SessionKind::Browser).await.unwrap();
    let other = accounts.login("admin", "correct horse battery", "10.0.0.2", SessionKind::Api).await.unwrap();
    let bad = accounts.change_password(&one.token, "wrong current", "a new long password").await;
    assert!(matches!(bad, Err(ServiceError::Invalid { .. })), "{bad:?}");
    accounts.change_password(&one.token, "correct horse battery", "a new long password").await.unwrap();
    assert!(accounts.session(&one.token).await.unwrap().is_some());
    assert!(accounts.session(&other.token).await.unwrap().is_none(), "other sessions end");
    let old = accounts.login("admin", "correct horse battery", "10.0.0.1", SessionKind::Browser).await;
    assert!(matches!(old, Err(ServiceError::BadCredentials)));

    // Invitations: a member with a role and a one-time link to set a password.
    let invitation = accounts.invite(&admin, &service, "ellen", Role::Reviewer, false).await.unwrap();
    let link = invitation.link_token.expect("ellen has no account yet");
    let info = accounts.link_info(&link, &[&service]).await.unwrap();
    assert_eq!(info.username.as_deref(), Some("ellen"));
    let ellen = accounts.accept_invite(&link, "ellen's long password", &[&service]).await.unwrap();
    assert!(!ellen.is_admin);
    let again = accounts.accept_invite(&link, "ellen's long password", &[&service]).await;
    assert!(again.is_err(), "a link works once");

    // A mistyped name removed before its link was used: the link no longer makes an account.
    let typo = accounts.invite(&admin, &service, "elen", Role::Reviewer, false).await.unwrap();
    let typo_link = typo.link_token.expect("nobody is called elen yet");
    service.remove_member(&admin.actor(), "elen").await.unwrap();
    let withdrawn = accounts.accept_invite(&typo_link, "elen's long password", &[&service]).await;
    assert!(
        matches!(&withdrawn, Err(ServiceError::Forbidden(m)) if m.contains("withdrawn") && m.contains("elen")),
        "{withdrawn:?}"
    );
    assert!(matches!(accounts.link_info(&typo_link, &[&service]).await, Err(ServiceError::Forbidden(_))));
    let login = accounts.login("elen", "elen's long password", "10.0.0.1", SessionKind::Browser).await;
    assert!(matches!(login, Err(ServiceError::BadCredentials)), "no account was made: {login:?}");
    let second = accounts.invite(&admin, &service, "ellen", Role::Reviewer, true).await.unwrap();
    assert_eq!(second.link_token, None, "an existing account gets no new link");

    // Authorisation: a reviewer votes but does not manage; a non-member may not even read.
    assert!(accounts.authorize(&ellen, &service, Permission::Vote).await.is_ok());
    let manage = accounts.authorize(&ellen, &service, Permission::Manage).await;
    assert!(matches!(manage, Err(ServiceError::Forbidden(_))), "{manage:?}");
    assert!(accounts.invite(&ellen, &service, "mallory", Role::Owner, true).await.is_err());
    let outsider = accounts.create_owner("x", "whatever long", &[]).await;
    assert!(matches!(outsider, Err(ServiceError::Conflict(_))), "create_owner only on an empty server");
    accounts.invite(&admin, &service, "guest", Role::Viewer, false).await.unwrap();
    service.set_member(&admin.actor(), "guest", Role::Viewer, false).await.unwrap();
    let removed = sift_service::Account { id: 999, username: "nobody".into(), is_admin: false };
    let read = accounts.authorize(&removed, &service, Permission::Read).await;
    assert!(matches!(read, Err(ServiceError::Forbidden(_))), "{read:?}");

    // Keywords: owners set them; a word can't be on both lists.
    service.set_keywords(&admin.actor(), &["cancer ".into(), "pain".into()], &["rat".into()]).await.unwrap();
    assert_eq!(
        service.keywords().await.unwrap(),
        (vec!["cancer".to_string(), "pain".to_string()], vec!["rat".to_string()])
    );
    assert!(service.set_keywords(&admin.actor(), &["rat".into()], &["Rat".into()]).await.is_err());
    assert!(service.set_keywords(&ellen.actor(), &["x".into()], &[]).await.is_err());

    // Rate limit: after MAX_FAILED_LOGINS failures even the right password is refused.
    for _ in 0..MAX_FAILED_LOGINS {
        let r = accounts.login("ellen", "guess", "10.0.0.9", SessionKind::Browser).await;
        assert!(matches!(r, Err(ServiceError::BadCredentials)));
    }
    let locked = accounts.login("ellen", "ellen's long password", "10.0.0.9", SessionKind::Browser).await;
    assert!(matches!(locked, Err(ServiceError::TooManyAttempts { .. })), "{locked:?}");
    service.close().await;
}

#[tokio::test]
async fn accounts_on_every_database() {
    on_every_database(accounts_story).await;
}
