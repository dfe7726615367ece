//! What a page's import reads ahead from the store ([`Known`]).

use super::detect::Known;
use crate::store::identities::{self, NewIdentity};
use crate::store::{Origin, Store};

#[test]
fn a_person_listed_twice_in_a_page_is_not_read_ahead() {
    let mut store = Store::in_memory().unwrap();
    store
        .transaction(|c| {
            for source in ["1", "2"] {
                identities::insert(
                    c,
                    &NewIdentity {
                        source_id: Some(source),
                        origin: Origin::Hr,
                        display_name: source,
                        active: true,
                        contract_end: None,
                        stale_end: None,
                        run_id: None,
                        source_digest: None,
                        attributes: None,
                    },
                )?;
            }
            Ok(())
        })
        .unwrap();
    let known = Known::read(store.conn(), &["1", "2", "1", "3"]).unwrap();
    assert!(
        !known.read_ahead("1"),
        "listed twice: read from the store each time"
    );
    assert!(known.read_ahead("2"));
    assert!(!known.read_ahead("3"), "not in the store");
}
