import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { reactive } from "vue";
import { IpcError, setBackend, type CardReadInfo } from "../backend";
import { fakeBackend } from "../backend/testing";
import { emptyRecord } from "../record";
import { readerState } from "../stores/cardReader";
import { forgetTakenCard, useCardRead } from "./useCardRead";

const CARD: CardReadInfo = {
  id_number: "341203199003071227",
  name: "陈静",
  gender: "female",
  ethnic_group: "01",
  ethnic_name: "汉族",
  household_province_code: "340000",
  household_province_name: "安徽省",
  household_county_code: "341203",
  household_county_name: "安徽省阜阳市颍东区",
  household_address: "向阳路街道幸福村12号",
  expired: false,
  valid_to: "2035-03-07",
  photo: null,
};
const NO_CARD = new IpcError({ code: "IDCARD_NO_CARD", message: "读卡器上没有证件，请把身份证平放在读卡器上。", fields: [] });

/** A reader whose next answers are `answers` (a card, or an error), the last repeated. */
function reader(answers: (CardReadInfo | IpcError)[]): void {
  setBackend(
    fakeBackend({
      readIdCard: async () => {
        const answer = answers.length > 1 ? answers.shift() : answers[0];
        if (answer instanceof IpcError) throw answer;
        return answer as CardReadInfo;
      },
    }),
  );
}

beforeEach(() => {
  forgetTakenCard();
  readerState.value = { state: "ready", message: null };
});
afterEach(() => {
  readerState.value = null;
});

describe("useCardRead", () => {
  it("fills an empty form from the card, names the codes and marks each field", async () => {
    reader([CARD]);
    const record = reactive(emptyRecord());
    const names = reactive<Record<string, string>>({});
    const card = useCardRead(() => record, names);
    await card.read();
    expect(record.applicant).toMatchObject({ id_number: CARD.id_number, name: "陈静", gender: "female", ethnic_group: "01" });
    expect(record.household_registration).toEqual({ province_code: "340000", county_code: "341203", address: "向阳路街道幸福村12号" });
    expect(names).toMatchObject({ "ethnic-01": "汉族", "341203": "安徽省阜阳市颍东区" });
    expect(card.conflicts.value).toBeNull();
    expect(card.isFromCard("applicant.name", record.applicant.name)).toBe(true);
    record.applicant.name = "陈晶";
    expect(card.isFromCard("applicant.name", record.applicant.name), "changed by the clerk: no longer the card's").toBe(false);
    expect(card.expiredOn.value).toBeNull();
    expect(card.photo.value, "a serial reader gives no photo").toBeNull();
    reader([{ ...CARD, photo: "data:image/bmp;base64,Qk0=" }]);
    await card.read();
    expect(card.photo.value, "the vendor library's decoded photo is shown").toBe("data:image/bmp;base64,Qk0=");
  });

  it("asks before replacing what the clerk typed, and fills the empty fields either way", async () => {
    reader([CARD]);
    const record = reactive(emptyRecord());
    record.applicant.name = "陈晶";
    record.household_registration.address = "幸福村12号";
    const card = useCardRead(() => record, reactive({}));
    await card.read();
    expect(card.conflicts.value?.map((f) => [f.path, f.currentShown, f.shown])).toEqual([
      ["applicant.name", "陈晶", "陈静"],
      ["household_registration.address", "幸福村12号", "向阳路街道幸福村12号"],
    ]);
    expect(record.applicant.name, "nothing typed is changed before the clerk says so").toBe("陈晶");
    expect(record.applicant.id_number, "an empty field is filled at once").toBe(CARD.id_number);
    card.keepTyped();
    expect(record.applicant.name).toBe("陈晶");
    await card.read();
    card.replaceTyped();
    expect([record.applicant.name, record.household_registration.address]).toEqual(["陈静", "向阳路街道幸福村12号"]);
    expect(card.conflicts.value).toBeNull();
  });

  it("warns about an expired card and says a failed read", async () => {
    reader([{ ...CARD, expired: true, valid_to: "2025-12-01" }]);
    const card = useCardRead(() => reactive(emptyRecord()), reactive({}));
    await card.read();
    expect(card.expiredOn.value).toBe("2025-12-01");
    reader([NO_CARD]);
    await card.read();
    expect(card.error.value).toBe(NO_CARD.message);
  });

  it("reads a placed card once on its own, not again while it lies there, and again once it was lifted", async () => {
    reader([NO_CARD, CARD, CARD, NO_CARD, CARD]);
    const record = reactive(emptyRecord());
    const card = useCardRead(() => record, reactive({}));
    await card.look();
    expect(record.applicant.name, "no card yet").toBe("");
    expect(card.error.value, "no card is not an error while waiting").toBeNull();
    await card.look();
    expect(record.applicant.name).toBe("陈静");
    record.applicant.name = "陈晶";
    await card.look();
    expect([record.applicant.name, card.conflicts.value], "the same card is not read again").toEqual(["陈晶", null]);
    await card.look();
    await card.look();
    expect(card.conflicts.value?.map((f) => f.path), "placed again: read again, and asked").toEqual(["applicant.name"]);
  });

  it("does not read the previous applicant's card still lying there into a new form, nor without a reader", async () => {
    reader([CARD]);
    const first = useCardRead(() => reactive(emptyRecord()), reactive({}));
    await first.look();
    const record = reactive(emptyRecord());
    const next = useCardRead(() => record, reactive({}));
    await next.look();
    expect(record.applicant.name).toBe("");
    await next.read();
    expect(record.applicant.name, "读卡 reads it").toBe("陈静");
    forgetTakenCard();
    readerState.value = { state: "absent", message: null };
    const none = reactive(emptyRecord());
    await useCardRead(() => none, reactive({})).look();
    expect(none.applicant.name).toBe("");
  });
});
