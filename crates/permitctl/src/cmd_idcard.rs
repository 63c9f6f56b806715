//! `permitctl idcard`: the second-generation ID-card reader. `read --serial DEVICE
//! [--baud N]` reads the card on it and prints it as JSON (`id_number`, `name`, `gender`,
//! `ethnic_code`, `birth_date`, `address`, `authority`, `valid_from`, `valid_to`,
//! `card_type`, `expired`, `issues`); `list` prints the serial ports a reader may be on.
//! Exit 0 with a card; 1 when there is no card or it could not be read (the Chinese
//! sentence in `error`); 2 when there is no reader at that port.

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

use crate::cmd_office;

/// `permitctl idcard …`.
#[derive(clap::Subcommand)]
pub enum IdCardCommand {
    /// Read the card lying on the reader.
    Read {
        /// The reader's serial port, e.g. /dev/ttyUSB0.
        #[arg(long)]
        serial: PathBuf,
        /// Its speed in bps (115200 unless the reader was set otherwise).
        #[arg(long, default_value_t = 115_200)]
        baud: u32,
    },
    /// The serial ports a reader may be on (/dev/ttyUSB*, /dev/ttyACM*).
    List,
}

/// Runs `permitctl idcard …`.
pub fn run(command: &IdCardCommand) -> ExitCode {
    match command {
        IdCardCommand::List => {
            let ports: Vec<String> =
                app::idcard::ports().iter().map(|port| port.display().to_string()).collect();
            cmd_office::done(&json!({ "ports": ports }))
        }
        IdCardCommand::Read { serial, baud } => match app::idcard::read(serial, *baud, app::clock::today()) {
            Ok(read) => {
                let card = &read.card;
                let date = |day: Option<chrono::NaiveDate>| day.map(|day| day.to_string());
                let issues: Vec<_> = read
                    .issues
                    .iter()
                    .map(|issue| json!({ "code": issue.code, "message": issue.message }))
                    .collect();
                cmd_office::done(&json!({
                    "card_type": card.kind.key(),
                    "card_type_label": card.kind.label(),
                    "id_number": card.id_number,
                    "name": card.name,
                    "name_en": card.name_en,
                    "gender": card.gender_code,
                    "ethnic_code": card.ethnic_code,
                    "birth_date": date(card.birth_date),
                    "address": card.address,
                    "authority": card.authority,
                    "valid_from": date(card.valid_from),
                    "valid_to": if card.long_term { Some("长期".to_owned()) } else { date(card.valid_to) },
                    "pass_number": card.pass_number,
                    "nationality": card.nationality,
                    "expired": read.expired,
                    "issues": issues,
                }))
            }
            Err(error) => cmd_office::report(&error),
        },
    }
}
