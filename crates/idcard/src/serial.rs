//! Reading a card through the reader's serial port: find, select, read the basic
//! information, each command answered within a deadline.

use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::card::{Card, CardError, TEXT_LEN, decode_text};
use crate::frame::{self, Command, FrameError, Response, Status};

/// How long one command may take to be answered (reading the basic information takes
/// about 1 s on a 115200 bps reader).
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(3);

/// The speeds the module can be set to; 115200 is its default.
pub const BAUD_RATES: [u32; 5] = [115_200, 57_600, 38_400, 19_200, 9_600];

/// Why no card was read.
#[derive(Debug, thiserror::Error)]
pub enum ReaderError {
    /// The port could not be opened or set up.
    #[error("serial port {port}: {source}")]
    Port {
        /// The device.
        port: String,
        /// The system's error.
        source: std::io::Error,
    },
    /// The vendor's library could not be loaded or lacks a call.
    #[error("vendor library {path}: {detail}")]
    Library {
        /// The library's path.
        path: String,
        /// What the loader said.
        detail: String,
    },
    /// No port a reader could be on (none set, no USB-serial port plugged in).
    #[error("no serial port for a reader")]
    NotFound,
    /// The port failed while talking.
    #[error("serial port: {0}")]
    Io(#[from] std::io::Error),
    /// No whole answer within [`ANSWER_TIMEOUT`].
    #[error("the reader did not answer {0:?} in time")]
    Silent(Command),
    /// An answer that is not a frame (damaged on the line, or another device).
    #[error("bad frame: {0}")]
    Frame(FrameError),
    /// The module's status.
    #[error("reader status {0:?}")]
    Status(Status),
    /// The basic information is not laid out as the protocol says.
    #[error("basic information of {0} bytes does not hold the text block")]
    Layout(usize),
    /// The text block could not be decoded.
    #[error("text block: {0}")]
    Card(#[from] CardError),
}

impl ReaderError {
    /// One Chinese sentence for the clerk; never what was read.
    pub fn message_zh(&self) -> String {
        match self {
            ReaderError::Port { port, source } => match source.kind() {
                std::io::ErrorKind::NotFound => {
                    format!("找不到读卡器（{port}），请检查读卡器的USB线是否插好。")
                }
                std::io::ErrorKind::PermissionDenied => {
                    format!("没有权限使用读卡器（{port}），请联系管理员把本机用户加入 dialout 组。")
                }
                _ => format!("无法打开读卡器（{port}），请重新插拔读卡器后再试。"),
            },
            ReaderError::NotFound => "没有找到读卡器，请检查读卡器的USB线是否插好。".to_owned(),
            ReaderError::Library { path, .. } => {
                format!("读卡器厂家的驱动库（{path}）无法使用，请重新安装读卡器驱动或联系管理员。")
            }
            ReaderError::Io(_) => "与读卡器的连接中断，请检查USB线后再读一次。".to_owned(),
            ReaderError::Silent(_) => "读卡器没有应答，请检查读卡器是否通电、USB线是否插好。".to_owned(),
            ReaderError::Frame(_) => "读卡器传回的数据有误，请再读一次；仍不行请重新插拔读卡器。".to_owned(),
            ReaderError::Status(status) => status.message_zh(),
            ReaderError::Layout(_) | ReaderError::Card(_) => {
                "读到的证件信息不完整，请把证件平放在读卡器上再读一次。".to_owned()
            }
        }
    }

    /// The reader answered that no card lies on it.
    pub fn is_no_card(&self) -> bool {
        matches!(self, ReaderError::Status(Status::NoCard))
    }
}

/// A reader on a byte stream (a serial port; a pseudo-terminal in the tests).
#[derive(Debug)]
pub struct Reader<T> {
    port: T,
    timeout: Duration,
    pending: Vec<u8>,
}

impl Reader<std::fs::File> {
    /// Opens the reader at `device` (e.g. `/dev/ttyUSB0`) at `baud` bps, raw, 8N1, reads
    /// returning after 0.2 s of silence.
    pub fn open(device: &Path, baud: u32) -> Result<Self, ReaderError> {
        let port_error =
            |source: std::io::Error| ReaderError::Port { port: device.display().to_string(), source };
        let port = std::fs::OpenOptions::new().read(true).write(true).open(device).map_err(port_error)?;
        let mut termios = rustix::termios::tcgetattr(&port).map_err(|e| port_error(e.into()))?;
        termios.make_raw();
        termios.set_speed(baud).map_err(|e| port_error(e.into()))?;
        termios.special_codes[rustix::termios::SpecialCodeIndex::VMIN] = 0;
        termios.special_codes[rustix::termios::SpecialCodeIndex::VTIME] = 2;
        rustix::termios::tcsetattr(&port, rustix::termios::OptionalActions::Now, &termios)
            .map_err(|e| port_error(e.into()))?;
        Ok(Reader::new(port))
    }
}

impl<T: Read + Write> Reader<T> {
    /// A reader on `port` (already set up).
    pub fn new(port: T) -> Self {
        Reader { port, timeout: ANSWER_TIMEOUT, pending: Vec::new() }
    }

    /// The same with another answer timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sends `command` and waits for its answer.
    pub fn ask(&mut self, command: Command) -> Result<Response, ReaderError> {
        self.pending.clear();
        self.port.write_all(&command.frame())?;
        self.port.flush()?;
        let deadline = Instant::now() + self.timeout;
        let mut buffer = [0_u8; 512];
        loop {
            let noise = match frame::decode(&self.pending) {
                Ok((response, _)) => return Ok(response),
                Err(FrameError::Incomplete) => false,
                // Bytes before any frame (line noise at power-up): a frame may still follow.
                Err(FrameError::NoPreamble) => true,
                Err(error) => return Err(ReaderError::Frame(error)),
            };
            if Instant::now() >= deadline {
                return Err(if noise {
                    ReaderError::Frame(FrameError::NoPreamble)
                } else {
                    ReaderError::Silent(command)
                });
            }
            let read = self.port.read(&mut buffer)?;
            if read == 0 {
                // The port's own read timeout passed with nothing; a pseudo-terminal whose
                // other side is gone also reads nothing: wait a little, then ask again.
                std::thread::sleep(Duration::from_millis(20));
            }
            self.pending.extend_from_slice(&buffer[..read]);
        }
    }

    /// Whether a working reader answers (SAM 状态检测).
    pub fn check(&mut self) -> Result<(), ReaderError> {
        let response = self.ask(Command::Status)?;
        if response.status == Status::Ok { Ok(()) } else { Err(ReaderError::Status(response.status)) }
    }

    /// Finds, selects and reads the card on the reader.
    pub fn read_card(&mut self) -> Result<Card, ReaderError> {
        for (command, wanted) in [(Command::FindCard, Status::CardFound), (Command::SelectCard, Status::Ok)] {
            let response = self.ask(command)?;
            if response.status != wanted {
                return Err(ReaderError::Status(response.status));
            }
        }
        let response = self.ask(Command::ReadBasic)?;
        if response.status != Status::Ok {
            return Err(ReaderError::Status(response.status));
        }
        Ok(decode_text(text_block(&response.data)?)?)
    }
}

/// The text block inside the basic information: two big-endian lengths (text, photo), then
/// the text and the photo.
pub fn text_block(data: &[u8]) -> Result<&[u8], ReaderError> {
    if data.len() < 4 {
        return Err(ReaderError::Layout(data.len()));
    }
    let text = usize::from(u16::from_be_bytes([data[0], data[1]]));
    let photo = usize::from(u16::from_be_bytes([data[2], data[3]]));
    if text != TEXT_LEN || data.len() < 4 + text + photo {
        return Err(ReaderError::Layout(data.len()));
    }
    Ok(&data[4..4 + text])
}
