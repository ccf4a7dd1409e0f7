import type { Knex } from 'knex';
import { LETTER_ERAS, parseWarekiDate, type LegacyDate } from '../../../lib/legacy/wareki';
import { kanaSearchKey, normalizeKana, padFixedWidth } from '../../../lib/legacy/text';
import { jstTimestampToIso } from '../../../lib/legacy/timestamp';
import { escapeLike, required, text, wherePrefix } from '../../shared/adapter';
import { convertByKey, type Settled } from '../../shared/loaders';
import type { IdentityRecord, IdentitySearchFilter, IdentitySearchPage } from '../records';
import { CHANGE_REASON, SEX } from './codes';
import type { CsKojinBangoRow, HonninKakuninRow } from './rows';

/**
 * The CS terminal's adapter (市町村CS, 住基ネット): the only module that reads its legacy tables.
 * Every function takes a batch of keys and runs ONE statement, so DataLoader batches turn into
 * one SQL round trip whatever the number of rows; batch results are keyed and settled
 * (subgraphs/shared/loaders.ts), so a row that cannot be converted fails its own key only.
 * This vendor writes dates with an era letter
 * (M/T/S/H/R + YYMMDD), so every date goes through LETTER_ERAS.
 */

const wareki = (value: string | null): LegacyDate | null => (text(value) ? parseWarekiDate(value, { eras: LETTER_ERAS }) : null);

/** Width of HONNIN_KAKUNIN.SHIMEI, for matching a name against its padded column. */
const NAME_WIDTH = 30;

/** Columns of HONNIN_KAKUNIN the API uses (never `select *`: the file has 40 items in reality). */
const IDENTITY_COLUMNS: (keyof HonninKakuninRow)[] = [
  'JUMINHYO_CD',
  'SHICHOSON_CD',
  'SHIMEI',
  'SHIMEI_KANA',
  'SEINENGAPPI',
  'SEIBETSU',
  'JUSHO',
  'IDO_JIYU_CD',
  'IDO_YMD',
  'SOSASHA_ID',
  'TANMATSU_ID',
  'KOSHIN_NICHIJI',
  'SAKUJO_FLG',
  'SHIEN_SOCHI_FLG',
];

/**
 * 更新日時 YYYYMMDDHHMMSS (Japan time) → ISO 8601 with +09:00. Null when blank, zeros or a time
 * the calendar lacks: a system timestamp is never guessed (and, here, never an error).
 */
function toTimestamp(value: string | null): string | null {
  const raw = text(value);
  return raw === null ? null : jstTimestampToIso(raw);
}

function toIdentity(row: HonninKakuninRow): IdentityRecord {
  return {
    residentCode: required(row.JUMINHYO_CD),
    municipalityCode: required(row.SHICHOSON_CD),
    name: required(row.SHIMEI),
    nameKana: normalizeKana(text(row.SHIMEI_KANA)),
    // Foreign residents' birth dates are letter-era too in the CS (unlike the register).
    birthDate: parseWarekiDate(row.SEINENGAPPI, { eras: LETTER_ERAS }),
    sex: SEX.decode(row.SEIBETSU),
    address: normalizeKana(required(row.JUSHO)),
    // A code the table does not know still says the record was changed (its declared catch-all).
    changeReason: CHANGE_REASON.decode(row.IDO_JIYU_CD),
    changedOn: wareki(row.IDO_YMD),
    operatorId: text(row.SOSASHA_ID),
    terminalId: text(row.TANMATSU_ID),
    updatedAt: toTimestamp(row.KOSHIN_NICHIJI),
    removed: text(row.SAKUJO_FLG) === '1',
    supportMeasure: text(row.SHIEN_SOCHI_FLG) === '1',
  };
}

/** 本人確認情報 by 住民票コード, keyed by it, removed persons included. */
export async function findIdentitiesByCodes(db: Knex, codes: readonly string[]): Promise<Map<string, Settled<IdentityRecord>>> {
  const rows: HonninKakuninRow[] = await db('HONNIN_KAKUNIN').select(IDENTITY_COLUMNS).whereIn('JUMINHYO_CD', codes as string[]);
  return convertByKey(rows, (row) => required(row.JUMINHYO_CD), toIdentity);
}

/**
 * 本人確認情報 by 個人番号 (already validated), keyed by the number. One statement: the number's
 * table is joined only to find the person; no other column of it is read.
 */
export async function findIdentitiesByIndividualNumbers(db: Knex, numbers: readonly string[]): Promise<Map<string, Settled<IdentityRecord>>> {
  const rows: (HonninKakuninRow & Pick<CsKojinBangoRow, 'KOJIN_NO'>)[] = await db('CS_KOJIN_BANGO as k')
    .join('HONNIN_KAKUNIN as h', 'h.JUMINHYO_CD', 'k.JUMINHYO_CD')
    .select('k.KOJIN_NO', ...IDENTITY_COLUMNS.map((column) => `h.${column}`))
    .whereIn('k.KOJIN_NO', numbers as string[]);
  return convertByKey(rows, (row) => required(row.KOJIN_NO), toIdentity);
}

/** 個人番号, from its own table (kept apart from the identity table), by 住民票コード. */
export async function findIndividualNumbers(db: Knex, codes: readonly string[]): Promise<Map<string, string>> {
  const rows: CsKojinBangoRow[] = await db('CS_KOJIN_BANGO').select('JUMINHYO_CD', 'KOJIN_NO').whereIn('JUMINHYO_CD', codes as string[]);
  return new Map(rows.map((row) => [required(row.JUMINHYO_CD), required(row.KOJIN_NO)]));
}

/**
 * The forms a name may be stored in: its inner spaces full-width (as the register writes
 * kanji names) or ASCII (Latin names, typed input), each unpadded or padded to the column
 * width with U+3000 or with ASCII spaces. Comparing with these few values keeps the index
 * usable, which rtrim() would not, and works whether or not the dialect ignores trailing
 * spaces (SQLite does not).
 */
function storedNameForms(name: string, width: number): string[] {
  const forms = new Set<string>();
  for (const spaced of [name, name.replace(/[ \u3000]/g, '\u3000'), name.replace(/[ \u3000]/g, ' ')]) {
    forms.add(spaced);
    if (Array.from(spaced).length > width) continue;
    forms.add(padFixedWidth(spaced, width, { fullWidth: true }));
    forms.add(padFixedWidth(spaced, width));
  }
  return [...forms];
}

const toFullWidthDigits = (value: string): string => value.replace(/[0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

/**
 * An address prefix as the CS may hold it: the register writes 番地 with full-width digits
 * ('３番１２号') while the API returns them folded to ASCII, so both spellings are searched.
 */
function storedAddressForms(address: string): string[] {
  return [...new Set([normalizeKana(address), toFullWidthDigits(normalizeKana(address))])];
}

/**
 * Every letter-era reading of an ISO day, i.e. every raw value parseWarekiDate turns into that
 * day: the era in force (1989-01-08 → H010108, what toWarekiRaw writes) and the readings legacy
 * data holds outside their era (S640108). A day no era can hold (before 明治, or beyond year 99)
 * has none, so it matches nobody.
 */
export function birthDateReadings(iso: string): string[] {
  const year = Number(iso.slice(0, 4));
  const monthDay = iso.slice(5, 7) + iso.slice(8, 10);
  const readings: string[] = [];
  for (const era of LETTER_ERAS) {
    const eraYear = year - Number(era.firstDay.slice(0, 4)) + 1;
    if (eraYear >= 1 && eraYear <= 99) readings.push(`${era.code}${String(eraYear).padStart(2, '0')}${monthDay}`);
  }
  return readings;
}

/**
 * 4情報検索 in 住民票コード order: at most `first` persons, and whether more matched (one extra
 * row is fetched to tell). Removed persons are included: they are identity records too.
 * `withoutSupportMeasure`: the caller may not see persons under 支援措置 — then every search
 * leaves them out (issue 10): by address it would tell where such a person lives, by any other
 * criteria a withheld item at their place would tell who is protected.
 */
export async function searchIdentities(db: Knex, filter: IdentitySearchFilter, first: number, withoutSupportMeasure = false): Promise<IdentitySearchPage> {
  const query = db('HONNIN_KAKUNIN').select(IDENTITY_COLUMNS);
  if (filter.name) query.whereIn('SHIMEI', storedNameForms(filter.name, NAME_WIDTH));
  if (filter.nameKana) wherePrefix(query, 'KENSAKU_KANA', kanaSearchKey(filter.nameKana));
  if (filter.birthDate) query.whereIn('SEINENGAPPI', birthDateReadings(filter.birthDate));
  if (filter.sex) query.where('SEIBETSU', SEX.encode(filter.sex));
  if (filter.address) {
    const forms = storedAddressForms(filter.address);
    query.where((any) => {
      for (const form of forms) any.orWhereRaw(`?? like ? escape '\\'`, ['JUSHO', `${escapeLike(form)}%`]);
    });
  }
  if (withoutSupportMeasure) query.where((flag) => flag.whereNull('SHIEN_SOCHI_FLG').orWhereNot('SHIEN_SOCHI_FLG', '1'));
  const rows: HonninKakuninRow[] = await query.orderBy('JUMINHYO_CD').limit(first + 1);
  return { identities: rows.slice(0, first).map(toIdentity), truncated: rows.length > first };
}
