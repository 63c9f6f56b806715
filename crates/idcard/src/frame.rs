//! Frames of the reader's security module: one command out, one response back.

/// Every frame starts with these five bytes (three for synchronisation, two for the start).
pub const PREAMBLE: [u8; 5] = [0xAA, 0xAA, 0xAA, 0x96, 0x69];

/// The longest response the counter accepts (basic information with photo and fingerprint
/// is under 2.4 KB; anything near this is noise).
pub const MAX_RESPONSE_LEN: usize = 4096;

/// A command to the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// 寻找证/卡 (`20 01`).
    FindCard,
    /// 选取证/卡 (`20 02`).
    SelectCard,
    /// 读取基本信息 (`30 01`): the text block and the photo.
    ReadBasic,
    /// SAM 状态检测 (`11 FF`): is a reader there and working.
    Status,
}

impl Command {
    /// Its command and parameter bytes.
    pub fn code(self) -> (u8, u8) {
        match self {
            Command::FindCard => (0x20, 0x01),
            Command::SelectCard => (0x20, 0x02),
            Command::ReadBasic => (0x30, 0x01),
            Command::Status => (0x11, 0xFF),
        }
    }

    /// The whole frame to send.
    pub fn frame(self) -> Vec<u8> {
        let (command, parameter) = self.code();
        encode(&[command, parameter])
    }
}

/// A frame around `body` (command and parameter and data, or the three status bytes and
/// data): preamble, length, body, checksum.
pub fn encode(body: &[u8]) -> Vec<u8> {
    let length = u16::try_from(body.len() + 1).unwrap_or(u16::MAX);
    let mut frame = PREAMBLE.to_vec();
    frame.extend_from_slice(&length.to_be_bytes());
    frame.extend_from_slice(body);
    let checksum = xor(&frame[PREAMBLE.len()..]);
    frame.push(checksum);
    frame
}

/// The XOR of `bytes`.
pub fn xor(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |sum, byte| sum ^ byte)
}

/// What the status byte `SW3` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `90`: done.
    Ok,
    /// `9F`: a card was found.
    CardFound,
    /// `80`: no card on the reader.
    NoCard,
    /// `81`: the card could not be selected (moved while being selected).
    SelectFailed,
    /// `41`: the card could not be read (lifted while being read).
    ReadFailed,
    /// `31`, `32`, `33`: the card and the module did not authenticate each other, or the
    /// information did not verify: not a genuine card, or a damaged one.
    NotAuthentic(u8),
    /// `40`: not an ID card.
    WrongCard,
    /// `10`, `11`, `21`: the module says our frame was wrong (checksum, length, command).
    FrameRejected(u8),
    /// `60`, `66`: the module failed its self-test or is not authorised.
    ModuleFault(u8),
    /// Any other status byte.
    Other(u8),
}

impl Status {
    /// The status of a `SW3` byte.
    pub fn of(sw3: u8) -> Status {
        match sw3 {
            0x90 => Status::Ok,
            0x9F => Status::CardFound,
            0x80 => Status::NoCard,
            0x81 => Status::SelectFailed,
            0x41 => Status::ReadFailed,
            0x31..=0x33 => Status::NotAuthentic(sw3),
            0x40 => Status::WrongCard,
            0x10 | 0x11 | 0x21 => Status::FrameRejected(sw3),
            0x60 | 0x66 => Status::ModuleFault(sw3),
            other => Status::Other(other),
        }
    }

    /// One Chinese sentence for the clerk.
    pub fn message_zh(self) -> String {
        match self {
            Status::Ok | Status::CardFound => "读卡成功。".to_owned(),
            Status::NoCard => "读卡器上没有证件，请把身份证平放在读卡器上。".to_owned(),
            Status::SelectFailed | Status::ReadFailed => {
                "证件在读取时被移动，请把证件平放在读卡器上不要移动，再读一次。".to_owned()
            }
            Status::NotAuthentic(code) => {
                format!(
                    "证件未通过读卡器的安全认证（状态 {code:02X}），可能不是真实有效的证件或芯片已损坏，请人工核验。"
                )
            }
            Status::WrongCard => "这不是居民身份证或可读取的证件，请换用身份证。".to_owned(),
            Status::FrameRejected(code) => {
                format!("读卡器未能识别本机发出的指令（状态 {code:02X}），请重新插拔读卡器后再试。")
            }
            Status::ModuleFault(code) => {
                format!("读卡器的安全模块故障或未授权（状态 {code:02X}），请联系读卡器厂家。")
            }
            Status::Other(code) => format!("读卡器返回了未知状态 {code:02X}，请再读一次。"),
        }
    }
}

/// A response from the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// `SW1`, `SW2`: the card's own status words, passed on.
    pub sw1: u8,
    /// See `sw1`.
    pub sw2: u8,
    /// `SW3`: the module's status.
    pub status: Status,
    /// What follows the status bytes.
    pub data: Vec<u8>,
}

/// Why bytes from the reader are not a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// More bytes are needed (keep reading).
    #[error("incomplete frame")]
    Incomplete,
    /// No preamble where a frame should start.
    #[error("no frame preamble")]
    NoPreamble,
    /// A length too short for the status bytes, or longer than any response.
    #[error("frame length {0} out of range")]
    Length(usize),
    /// The checksum does not match: a byte was damaged on the line.
    #[error("frame checksum {found:#04x}, expected {expected:#04x}")]
    Checksum {
        /// The checksum byte received.
        found: u8,
        /// The XOR of the bytes received.
        expected: u8,
    },
}

/// Decodes the response at the start of `bytes` (after any noise before a preamble);
/// returns it and how many bytes it took.
pub fn decode(bytes: &[u8]) -> Result<(Response, usize), FrameError> {
    let Some(start) = bytes.windows(PREAMBLE.len()).position(|window| window == PREAMBLE) else {
        // The end may be the start of a preamble still arriving.
        let tail_starts_one =
            (1..PREAMBLE.len()).any(|n| n <= bytes.len() && PREAMBLE.starts_with(&bytes[bytes.len() - n..]));
        return Err(if bytes.is_empty() || tail_starts_one {
            FrameError::Incomplete
        } else {
            FrameError::NoPreamble
        });
    };
    let rest = &bytes[start + PREAMBLE.len()..];
    if rest.len() < 2 {
        return Err(FrameError::Incomplete);
    }
    let length = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
    if !(4..=MAX_RESPONSE_LEN).contains(&length) {
        return Err(FrameError::Length(length));
    }
    if rest.len() < 2 + length {
        return Err(FrameError::Incomplete);
    }
    let body = &rest[2..2 + length - 1];
    let found = rest[2 + length - 1];
    let expected = xor(&rest[..2 + length - 1]);
    if found != expected {
        return Err(FrameError::Checksum { found, expected });
    }
    let response =
        Response { sw1: body[0], sw2: body[1], status: Status::of(body[2]), data: body[3..].to_vec() };
    Ok((response, start + PREAMBLE.len() + 2 + length))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_framed_with_their_length_and_checksum() {
        assert_eq!(Command::FindCard.frame(), [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x22]);
        assert_eq!(Command::SelectCard.frame(), [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x02, 0x21]);
        assert_eq!(Command::ReadBasic.frame(), [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x30, 0x01, 0x32]);
    }

    #[test]
    fn a_recorded_failure_answer_decodes() {
        // "读身份证操作失败" as a reader answers it: length 4, status 00 00 41, checksum 45.
        let bytes = [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x00, 0x00, 0x41, 0x45];
        let (response, used) = decode(&bytes).expect("a frame");
        assert_eq!((response.status, response.data.len(), used), (Status::ReadFailed, 0, bytes.len()));
        let bytes = [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x00, 0x00, 0x32, 0x36];
        assert_eq!(decode(&bytes).expect("a frame").0.status, Status::NotAuthentic(0x32));
    }

    #[test]
    fn noise_before_a_frame_is_skipped_and_a_short_read_asks_for_more() {
        let mut bytes = vec![0x00, 0x13];
        bytes.extend(encode(&[0x00, 0x00, 0x9F, 0x00, 0x00, 0x00, 0x00]));
        let (response, used) = decode(&bytes).expect("a frame after the noise");
        assert_eq!((response.status, used), (Status::CardFound, bytes.len()));
        assert_eq!(decode(&bytes[..2]).map(|(_, used)| used), Err(FrameError::NoPreamble), "noise only");
        for cut in 3..bytes.len() {
            assert_eq!(
                decode(&bytes[..cut]).map(|(_, used)| used),
                Err(FrameError::Incomplete),
                "cut at {cut}"
            );
        }
        assert_eq!(decode(&[0x01, 0x02, 0x03, 0x04, 0x05, 0x06]), Err(FrameError::NoPreamble));
    }

    #[test]
    fn a_damaged_byte_and_a_wild_length_are_refused() {
        let mut bytes = encode(&[0x00, 0x00, 0x90, 0x12, 0x34]);
        bytes[9] ^= 0x01;
        assert!(matches!(decode(&bytes), Err(FrameError::Checksum { .. })));
        let wild = [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0xFF, 0xFF, 0x00];
        assert_eq!(decode(&wild), Err(FrameError::Length(0xFFFF)));
    }

    #[test]
    fn every_status_has_a_sentence() {
        for sw3 in 0..=255_u8 {
            assert!(!Status::of(sw3).message_zh().is_empty());
        }
        assert!(Status::of(0x80).message_zh().contains("没有证件"));
    }
}
