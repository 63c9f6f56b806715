// 读卡 on the application form: the card on the counter's reader fills 公民身份号码, 姓名,
// 性别, 民族 and 常住户口 (province, county, the rest of the 住址). A field the clerk has
// already filled with something else is never overwritten without a confirm: the read
// then waits in `conflicts` until the clerk replaces those fields or keeps what they
// typed (the empty ones are filled either way). Fields filled from the card are marked
// while they still hold what the card said. An expired card is warned about.
//
// With a reader ready, the form reads on its own when a card is placed (polled every
// 1.5 s); a card still lying there from the previous applicant is not read into a new
// form until it is lifted (or 读卡 is pressed).
import { reactive, ref } from "vue";
import { IpcError, deviceBackend, type CardReadInfo } from "../backend";
import type { ApplicationRecord } from "../record";
import { errorMessage } from "../errors";
import { t } from "../locales";
import { readerReady } from "../stores/cardReader";

/** One form field a card fills: where, its label, what it holds and what the card says. */
export interface CardField {
  path: string;
  label: string;
  current: string;
  incoming: string;
  /** What the card says, shown beside `incoming` (a name for a code). */
  shown: string;
  /** What the field holds, shown (a name for a code). */
  currentShown: string;
  set: () => void;
}

/** Whether the card lying on the reader was already taken (by any form): shared, so a
 *  new form does not read the previous applicant's card still lying there. */
let cardTaken = false;

/** How often the form looks for a newly placed card. */
export const CARD_POLL_MS = 1500;

export function useCardRead(record: () => ApplicationRecord, names: Record<string, string>) {
  const reading = ref(false);
  const error = ref<string | null>(null);
  /** The card's last day when it has expired. */
  const expiredOn = ref<string | null>(null);
  const conflicts = ref<CardField[] | null>(null);
  /** The holder's photo from the last card read (when the vendor's library decodes it),
   *  for the clerk to compare with the person; never saved. */
  const photo = ref<string | null>(null);
  /** Path → the value the card put there. */
  const fromCard = reactive<Record<string, string>>({});
  let pending: CardField[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;

  function fields(card: CardReadInfo): CardField[] {
    const r = record();
    const list: CardField[] = [
      field("applicant.id_number", t("idNumber.label"), r.applicant.id_number, card.id_number, card.id_number, () => {
        r.applicant.id_number = card.id_number;
      }),
      field("applicant.name", t("intake.name"), r.applicant.name, card.name, card.name, () => {
        r.applicant.name = card.name;
      }),
    ];
    const gender = card.gender;
    if (gender === "male" || gender === "female") {
      const shown = gender === "male" ? t("intake.male") : t("intake.female");
      const current = r.applicant.gender ?? "";
      list.push(field("applicant.gender", t("intake.gender"), current, gender, shown, () => (r.applicant.gender = gender)));
    }
    const ethnic = card.ethnic_group;
    if (ethnic) {
      list.push(
        field("applicant.ethnic_group", t("intake.ethnic"), r.applicant.ethnic_group, ethnic, card.ethnic_name ?? ethnic, () => {
          r.applicant.ethnic_group = ethnic;
          if (card.ethnic_name) names[`ethnic-${ethnic}`] = card.ethnic_name;
        }),
      );
    }
    const province = card.household_province_code;
    const county = card.household_county_code;
    const household = r.household_registration;
    if (province && county) {
      list.push(
        field("household_registration.province_code", t("intake.householdProvince"), household.province_code, province, card.household_province_name ?? province, () => {
          household.province_code = province;
          if (card.household_province_name) names[province] = card.household_province_name;
        }),
        field("household_registration.county_code", t("intake.householdCounty"), household.county_code, county, card.household_county_name ?? county, () => {
          household.county_code = county;
          if (card.household_county_name) names[county] = card.household_county_name;
        }),
      );
    }
    list.push(
      field("household_registration.address", t("intake.householdAddress"), household.address, card.household_address, card.household_address, () => {
        household.address = card.household_address;
      }),
    );
    return list;
  }

  function field(path: string, label: string, current: string, incoming: string, shown: string, set: () => void): CardField {
    return { path, label, current, incoming, shown, currentShown: shownOf(path, current), set };
  }

  /** A field's value as the form shows it: the name of a code. */
  function shownOf(path: string, value: string): string {
    if (path === "applicant.gender") return value === "male" ? t("intake.male") : value === "female" ? t("intake.female") : value;
    if (path === "applicant.ethnic_group") return names[`ethnic-${value}`] ?? value;
    if (path.endsWith("_code")) return names[value] ?? value;
    return value;
  }

  function fillField(f: CardField): void {
    f.set();
    fromCard[f.path] = f.incoming;
  }

  /** Fills the form from `card`; asks first when it would change what the clerk typed. */
  function apply(card: CardReadInfo): void {
    expiredOn.value = card.expired ? (card.valid_to ?? "") : null;
    photo.value = card.photo;
    const all = fields(card);
    const differing = all.filter((f) => f.current.trim() !== "" && f.current !== f.incoming);
    // Province first: choosing a province clears the county in the picker.
    for (const f of all) if (!differing.includes(f)) fillField(f);
    if (differing.length > 0) {
      pending = differing;
      conflicts.value = differing;
    }
  }

  /** 用证件信息替换: the differing fields take the card's values. */
  function replaceTyped(): void {
    for (const f of pending) fillField(f);
    pending = [];
    conflicts.value = null;
  }

  /** 保留已填写: the differing fields keep what the clerk typed. */
  function keepTyped(): void {
    pending = [];
    conflicts.value = null;
  }

  /** Whether `path` still holds what the card put there. */
  function isFromCard(path: string, value: string | null): boolean {
    return path in fromCard && fromCard[path] === (value ?? "");
  }

  /** 读卡: reads the card now, saying any failure (no card included). */
  async function read(): Promise<void> {
    if (reading.value || conflicts.value) return;
    reading.value = true;
    error.value = null;
    try {
      apply(await deviceBackend().readIdCard());
      cardTaken = true;
    } catch (e) {
      if (e instanceof IpcError && e.code === "IDCARD_NO_CARD") cardTaken = false;
      error.value = errorMessage(e);
    } finally {
      reading.value = false;
    }
  }

  /** One look for a newly placed card: read it once; quiet while none lies there. */
  async function look(): Promise<void> {
    if (reading.value || conflicts.value || !readerReady()) return;
    reading.value = true;
    try {
      const card = await deviceBackend().readIdCard();
      if (!cardTaken) {
        error.value = null;
        apply(card);
      }
      cardTaken = true;
    } catch (e) {
      if (e instanceof IpcError && e.code === "IDCARD_NO_CARD") {
        cardTaken = false;
      } else if (!cardTaken) {
        // Said once per card placed (another card than an ID card, a damaged read…).
        error.value = errorMessage(e);
        cardTaken = true;
      }
    } finally {
      reading.value = false;
    }
  }

  function start(): void {
    timer = setInterval(() => void look(), CARD_POLL_MS);
  }
  function stop(): void {
    clearInterval(timer);
  }

  return { reading, error, expiredOn, conflicts, fromCard, photo, read, look, replaceTyped, keepTyped, isFromCard, start, stop };
}

/** Forgets which card was taken (tests). */
export function forgetTakenCard(): void {
  cardTaken = false;
}
