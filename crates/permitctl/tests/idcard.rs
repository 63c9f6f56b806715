//! `permitctl idcard read`: the real binary reads the card of a reader simulated on a
//! pseudo-terminal, and says in words when there is no card or no reader.

use idcard::simulator::{Behaviour, simulated_reader};

fn permitctl(args: &[&str]) -> (i32, serde_json::Value) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_permitctl"))
        .args(args)
        .output()
        .expect("run permitctl");
    let json = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));
    (output.status.code().unwrap_or(-1), json)
}

#[test]
fn the_card_on_the_reader_is_printed_as_json() {
    let (port, answerer) = simulated_reader(Behaviour::Card).expect("a pseudo-terminal");
    let (code, json) =
        permitctl(&["idcard", "read", "--serial", port.to_str().expect("UTF-8"), "--baud", "115200"]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["card_type"], "resident_id");
    assert_eq!(json["id_number"], "341203199003071227");
    assert_eq!(json["name"], "陈静");
    assert_eq!((json["gender"].as_str(), json["ethnic_code"].as_str()), (Some("2"), Some("01")));
    assert_eq!(json["birth_date"], "1990-03-07");
    assert_eq!(json["valid_to"], "2035-03-07");
    assert_eq!((json["expired"].as_bool(), json["issues"].as_array().map(Vec::len)), (Some(false), Some(0)));
    drop(answerer.join());
}

#[test]
fn no_card_and_no_reader_are_said_in_chinese() {
    let (port, answerer) = simulated_reader(Behaviour::NoCard).expect("a pseudo-terminal");
    let (code, json) = permitctl(&["idcard", "read", "--serial", port.to_str().expect("UTF-8")]);
    assert_eq!((code, json["error"]["code"].as_str()), (1, Some("IDCARD_NO_CARD")), "{json:#}");
    assert!(json["error"]["message"].as_str().is_some_and(|m| m.contains("没有证件")), "{json:#}");
    drop(answerer.join());

    let (code, json) = permitctl(&["idcard", "read", "--serial", "/dev/ttyUSB-not-here"]);
    assert_eq!((code, json["error"]["code"].as_str()), (2, Some("IDCARD_READER_MISSING")), "{json:#}");
    assert!(json["error"]["message"].as_str().is_some_and(|m| m.contains("找不到读卡器")), "{json:#}");
}
