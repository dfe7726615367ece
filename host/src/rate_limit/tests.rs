use super::*;

/// Answers `rate-limited` to its first `limited` calls of each kind, then succeeds.
struct Flaky {
    limited: u32,
    calls: Arc<Mutex<Vec<String>>>,
}

impl Flaky {
    fn answer<T>(&mut self, call: String, ok: T) -> Result<T, HostError> {
        let mut calls = self.calls.lock().expect("lock");
        calls.push(call);
        if self.limited > 0 {
            self.limited -= 1;
            return Err(ConnectorError::RateLimited {
                retry_after_secs: 2,
            }
            .into());
        }
        Ok(ok)
    }
}

fn user(id: &str) -> User {
    User {
        id: id.into(),
        display_name: String::new(),
        active: true,
        attributes: Vec::new(),
    }
}

#[async_trait]
impl Session for Flaky {
    async fn test_connection(&mut self) -> Result<(), HostError> {
        self.answer("test".into(), ())
    }
    async fn get_fields(&mut self) -> Result<Vec<Field>, HostError> {
        self.answer("fields".into(), Vec::new())
    }
    async fn list_choices(&mut self, f: &str, _: Option<&str>) -> Result<Vec<Choice>, HostError> {
        self.answer(format!("choices {f}"), Vec::new())
    }
    async fn list_users(&mut self, t: Option<&str>, _: u32) -> Result<UserPage, HostError> {
        self.answer(
            format!("list {}", t.unwrap_or("-")),
            UserPage {
                users: vec![user("1")],
                next_page_token: None,
                total: None,
            },
        )
    }
    async fn get_user(&mut self, id: &str) -> Result<User, HostError> {
        self.answer(format!("get {id}"), user(id))
    }
    async fn create_user(&mut self, a: Vec<Attribute>) -> Result<User, HostError> {
        self.answer(format!("create {}", a.len()), user("9"))
    }
    async fn update_user(&mut self, id: &str, _: Vec<AttributeChange>) -> Result<User, HostError> {
        self.answer(format!("update {id}"), user(id))
    }
    async fn suspend_user(&mut self, id: &str) -> Result<User, HostError> {
        self.answer(format!("suspend {id}"), user(id))
    }
    async fn resume_user(&mut self, id: &str) -> Result<User, HostError> {
        self.answer(format!("resume {id}"), user(id))
    }
}

fn flaky(limited: u32) -> (Box<dyn Session>, Arc<Mutex<Vec<String>>>) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    (
        Box::new(Flaky {
            limited,
            calls: calls.clone(),
        }),
        calls,
    )
}

#[tokio::test(start_paused = true)]
async fn the_same_call_is_made_again_after_each_wait() {
    let (inner, calls) = flaky(3);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let observer = seen.clone();
    let budget = WaitBudget::new(Duration::from_secs(60)).observed(Arc::new(move |d| {
        observer.lock().expect("lock").push(d);
    }));
    let mut session = Patient::new(inner, budget.clone());
    let page = session.list_users(Some("tok"), 10).await.expect("listed");
    assert_eq!(page.users.len(), 1);
    assert_eq!(
        *calls.lock().expect("lock"),
        vec!["list tok", "list tok", "list tok", "list tok"],
        "the same page token every time"
    );
    assert_eq!(budget.waits(), 3);
    let waits = seen.lock().expect("lock").clone();
    assert_eq!(waits.len(), 3);
    for w in waits {
        assert!(
            w >= Duration::from_secs(2) && w < Duration::from_millis(2250),
            "{w:?}"
        );
    }
    assert!(budget.waited() >= Duration::from_secs(6));
}

#[tokio::test(start_paused = true)]
async fn writes_are_retried_with_the_same_input() {
    let (inner, calls) = flaky(1);
    let mut session = Patient::new(inner, WaitBudget::default());
    let attrs = vec![Attribute {
        name: "first_name".into(),
        values: vec![crate::model::Value::Text("Zoé".into())],
    }];
    session.create_user(attrs).await.expect("created");
    assert_eq!(*calls.lock().expect("lock"), vec!["create 1", "create 1"]);
}

#[tokio::test(start_paused = true)]
async fn past_the_budget_the_call_fails_without_waiting_more() {
    let (inner, calls) = flaky(100);
    let budget = WaitBudget::new(Duration::from_secs(5));
    let mut session = Patient::new(inner, budget.clone());
    let err = session.get_user("7").await.expect_err("budget spent");
    assert!(
        matches!(err, HostError::RateLimitBudget { budget_secs: 5, .. }),
        "{err}"
    );
    // 2 s + jitter twice fits in 5 s; the third wait would not.
    assert_eq!(budget.waits(), 2);
    assert_eq!(calls.lock().expect("lock").len(), 3);
    assert!(err.to_string().contains("rate limited"), "{err}");
}

#[test]
fn waits_are_spread_by_a_jitter_under_a_quarter_second() {
    let draws: Vec<Duration> = (0..32).map(|_| super::jitter()).collect();
    assert!(
        draws.iter().all(|d| *d < Duration::from_millis(250)),
        "{draws:?}"
    );
    let first = draws[0];
    assert!(
        draws.iter().any(|d| *d != first),
        "32 clients told the same retry-after would come back at once: {draws:?}"
    );
}
