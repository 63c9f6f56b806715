//! A simulated ID-card reader for the window's end-to-end tests (feature `simulator`):
//! `idcard-sim LINK CONTROL` makes a pseudo-terminal, links it at `LINK` (point
//! `PERMIT_DESK_IDCARD_PORT` there) and answers the reader's frame protocol on it until
//! killed. What lies on the reader is read from the file `CONTROL` at every command:
//! `card`, `expired`, `none` (also when the file is missing), `lifted`, `damaged` or
//! `silent` — a test places and lifts the card by writing that file.

use std::path::PathBuf;
use std::process::ExitCode;

use idcard::simulator::{Behaviour, answer, pseudo_terminal};

fn behaviour(control: &std::path::Path) -> Behaviour {
    match std::fs::read_to_string(control).unwrap_or_default().trim() {
        "card" => Behaviour::Card,
        "expired" => Behaviour::ExpiredCard,
        "lifted" => Behaviour::LiftedMidRead,
        "damaged" => Behaviour::Damaged,
        "silent" => Behaviour::Silent,
        _ => Behaviour::NoCard,
    }
}

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let [link, control] = &arguments[..] else {
        eprintln!("usage: idcard-sim LINK CONTROL");
        return ExitCode::from(2);
    };
    let (link, control) = (PathBuf::from(link), PathBuf::from(control));
    let run = || -> std::io::Result<()> {
        let (slave, master) = pseudo_terminal()?;
        // Keep the slave open, raw, so the master keeps reading between the app's opens.
        let held = std::fs::OpenOptions::new().read(true).write(true).open(&slave)?;
        let mut termios = rustix::termios::tcgetattr(&held)?;
        termios.make_raw();
        rustix::termios::tcsetattr(&held, rustix::termios::OptionalActions::Now, &termios)?;
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&slave, &link)?;
        answer(master, || behaviour(&control));
        drop(held);
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("idcard-sim: {error}");
            ExitCode::FAILURE
        }
    }
}
