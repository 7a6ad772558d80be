use crate::model::*;

#[test]
fn display_name_fallbacks() {
    let mut a = Account {
        username: "bob".into(),
        acct: "bob@b.example".into(),
        display_name: "  ".into(),
        ..Account::default()
    };
    assert_eq!(a.display_name_or_username(), "bob");
    a.username.clear();
    assert_eq!(a.display_name_or_username(), "bob@b.example");
    a.display_name = "Bob".into();
    assert_eq!(a.display_name_or_username(), "Bob");
}
