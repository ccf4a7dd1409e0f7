import { SeededRandom } from '../lib/random';
import type {
  Address,
  CardApplication,
  CertificateIssuance,
  Household,
  IdentityChangeReason,
  IndividualNumber,
  Linkage,
  Movement,
  Person,
  PersonName,
  ProvisionRecord,
  RecordedDate,
  SealRegistration,
  SupportMeasure,
} from '../lib/synthetic/model';
import { addressWithBuilding } from '../lib/synthetic/model';
import { makeAddress } from './addresses';
import { addressNumberOf, householdNumberOf, type IdentifierSequences } from './identifiers';
import { officeTime } from './dates';

/**
 * The fixed persons at the start of every generated world, whatever the seed: tests and demos
 * can ask for them by the identifiers below. Synthetic like everyone else (common names, made-up
 * numbers; the three individual numbers of the first household are the check-digit examples
 * from docs/domain.md). Each one carries one of the shapes the gateway must handle.
 *
 * Expected legacy values are documented next to each person:
 *   birthRaw       JUMIN_KIHON.SEINENGAPPI_WA (numeric era GYYMMDD) or SEINENGAPPI_SEI (western)
 *   csBirthRaw     HONNIN_KAKUNIN.SEINENGAPPI (letter era)
 */

export const FIXTURE_FIRST_RESIDENT = {
  addressNumber: '0010000017',
  residentCode: '30000010312',
  individualNumber: '123456789018',
  householdNumber: '0050000010',
  name: '山田\u3000太郎',
  kana: 'ヤマダ\u3000タロウ',
  birthIso: '1975-04-12',
  birthRaw: '3500412',
  csBirthRaw: 'S500412',
  address: '東京都世田谷区太子堂二丁目３番１２号',
  cardStatus: 'ISSUED',
  cardOfficeCode: '101',
} as const;

/** 山田 花子, born on 29 Feb of a common year (昭和53年2月29日), with a registered 旧氏. */
export const FIXTURE_FEB29_COMMON_YEAR = {
  addressNumber: '0010000025',
  residentCode: '30000020628',
  individualNumber: '314159265352',
  name: '山田\u3000花子',
  formerSurname: '佐藤',
  birthRaw: '3530229',
  csBirthRaw: 'S530229',
  cardStatus: 'RESERVED',
} as const;

export const FIXTURE_CHILD = {
  addressNumber: '0010000033',
  residentCode: '30000030933',
  individualNumber: '123456789050',
  name: '山田\u3000一郎',
  birthRaw: '4220803',
} as const;

/** A surname in the ward's gaiji font: private-use U+E0A1 (a dotted 辻). Old record, half-width kana. */
export const FIXTURE_GAIJI_PRIVATE_USE = {
  addressNumber: '0010000041',
  residentCode: '30000041242',
  individualNumber: '200000316767',
  householdNumber: '0050000028',
  name: '\uE0A1\u3000実',
  storedKana: 'ﾂｼﾞ ﾐﾉﾙ',
  searchKana: 'ツシミノル',
  gaijiCode: 'U+E0A1',
  birthRaw: '3231103',
} as const;

/** The inline 住基ネット統一文字 form in a given name, and a birth date without its day (昭和25年5月). */
export const FIXTURE_GAIJI_INLINE = {
  addressNumber: '0010000050',
  residentCode: '30000051558',
  individualNumber: '200000395950',
  name: '\uE0A1\u3000J+6F22子',
  gaijiCode: 'J+6F22',
  birthRaw: '3250500',
  csBirthRaw: 'S250500',
} as const;

/** Under an active DV support measure (renewed; the first term expired), with her child. */
export const FIXTURE_SUPPORT_MEASURE = {
  addressNumber: '0010000068',
  residentCode: '30000061863',
  individualNumber: '200000475148',
  householdNumber: '0050000036',
  name: '鈴木\u3000美咲',
  activeFrom: '2026-03-01',
  activeUntil: '2027-02-28',
  previousTermFrom: '2025-03-01',
  integratedAddressNumber: '131121000000002',
  childAddressNumber: '0010000076',
} as const;

/** 中長期在留者 with a residence card (在留カード). */
export const FIXTURE_FOREIGN_RESIDENT = {
  addressNumber: '0010000084',
  residentCode: '30000082488',
  individualNumber: '200000633525',
  householdNumber: '0050000044',
  name: 'NGUYEN VAN NAM',
  nationality: 'ベトナム',
  category: 'MID_TO_LONG_TERM',
  residenceStatus: '技術・人文知識・国際業務',
  periodOfStay: '５年',
  periodExpiresOn: '2029-03-31',
  residenceCardNumber: 'AB12345678CD',
  birthRaw: '19920120',
  csBirthRaw: 'H040120',
} as const;

/** 特別永住者 with a certificate number and a 通称. */
export const FIXTURE_SPECIAL_PERMANENT = {
  addressNumber: '0010000106',
  residentCode: '30000103108',
  individualNumber: '200000791902',
  householdNumber: '0050000052',
  name: '金\u3000英哲',
  nationality: '韓国',
  category: 'SPECIAL_PERMANENT',
  certificateNumber: 'SP12345678KR',
  alias: '金田\u3000英夫',
  birthRaw: '19550303',
  csBirthRaw: 'S300303',
} as const;

/** 転出 (除票). */
export const FIXTURE_MOVED_OUT = {
  addressNumber: '0010000114',
  residentCode: '30000113413',
  individualNumber: '200000871094',
  householdNumber: '0050000060',
  name: '田中\u3000健一',
  removedOn: '2024-03-31',
  destination: '神奈川県川崎市中原区小杉町２丁目５番３号',
} as const;

/** 死亡 (除票), born on 明治45年7月30日 — the last day of 明治, which is also 大正元年7月30日. */
export const FIXTURE_DECEASED = {
  addressNumber: '0010000122',
  residentCode: '30000123729',
  individualNumber: '200000950288',
  householdNumber: '0050000079',
  name: '高橋\u3000清',
  removedOn: '2016-01-20',
  birthRaw: '1450730',
  csBirthRaw: 'M450730',
} as const;

/** 職権消除 (除票), born in a known year only (昭和20年, month unknown). */
export const FIXTURE_ERASED = {
  addressNumber: '0010000130',
  residentCode: '30000134038',
  individualNumber: '200001029478',
  householdNumber: '0050000087',
  name: '伊藤\u3000進',
  removedOn: '2023-06-01',
  birthRaw: '3200000',
  csBirthRaw: 'S200000',
} as const;

/** Born on 大正15年12月25日, recorded in 大正 (the same day is 昭和元年12月25日). */
export const FIXTURE_TAISHO_15 = {
  addressNumber: '0010000149',
  residentCode: '30000144343',
  individualNumber: '200001108661',
  householdNumber: '0050000095',
  name: '渡辺\u3000トシ',
  birthRaw: '2151225',
  csBirthRaw: 'T151225',
} as const;

/** 年月日不詳, and no individual number on record. */
export const FIXTURE_UNKNOWN_BIRTH = {
  addressNumber: '0010000157',
  residentCode: '30000154659',
  individualNumber: null,
  householdNumber: '0050000109',
  name: '小林\u3000ハル',
  birthRaw: '0000000',
} as const;

/** 昭和15年頃: year only, approximate (SEINENGAPPI_FUSHO '1'). */
export const FIXTURE_APPROXIMATE_BIRTH = {
  addressNumber: '0010000165',
  residentCode: '30000164964',
  individualNumber: '200001187855',
  name: '中村\u3000勇',
  birthRaw: '3150000',
  approximateFlag: '1',
} as const;

export const FIXTURE_PERSON_COUNT = 16;
export const FIXTURE_HOUSEHOLD_COUNT = 10;

// ---------------------------------------------------------------------------------------------

/** Incidental details (times of day) come from a fixed stream, never from the world's seed. */
const FIXTURE_SEED = 'fixtures-v1';

interface PersonInput {
  index: number; // 1-based position among fixture persons (宛名番号 sequence)
  residentCode: string;
  individualNumber: IndividualNumber | null;
  household: number; // 1-based fixture household
  memberOrder: number;
  relationship: Person['relationship'];
  name: PersonName;
  birth: RecordedDate;
  sex: Person['sex'];
  address: Address;
  movements: Movement[];
  previousAddress?: string | null;
  familyRegister?: Person['familyRegister'];
  formerSurname?: Person['formerSurname'];
  foreign?: Person['foreign'];
  alias?: Person['alias'];
  removal?: Person['removal'];
  certificates?: CertificateIssuance[];
  supportMeasures?: SupportMeasure[];
  seals?: SealRegistration[];
  linkage?: Linkage | null;
  card?: CardApplication | null;
  halfWidthKana?: boolean;
  onElectoralRoll?: boolean;
  lastChange?: IdentityChangeReason;
}

function kanjiName(family: string, given: string, familyKana: string, givenKana: string, familyRomaji: string, givenRomaji: string): PersonName {
  return { family, given, familyKana, givenKana, familyRomaji, givenRomaji, script: 'KANJI' };
}

const day = (value: string): RecordedDate => ({ value, approximate: false });

export function buildFixtureHouseholds(seq: IdentifierSequences): Household[] {
  const rng = new SeededRandom(FIXTURE_SEED);
  const at = (d: string): string => officeTime(rng, d);
  const move = (reason: Movement['reason'], occurredOn: string, from: string | null, to: string | null, notifiedOn: string | null = occurredOn): Movement => ({
    reason,
    occurredOn,
    notifiedOn,
    from,
    to,
    recordedAt: at(notifiedOn ?? occurredOn),
  });
  const cert = (kind: CertificateIssuance['kind'], issuedOn: string, officeCode: string, requester: CertificateIssuance['requester']): CertificateIssuance => ({
    number: seq.certificateNumber(),
    kind,
    issuedOn,
    officeCode,
    copies: 1,
    requester,
  });
  const provision = (requestedAt: string, requesterCode: string, legalBasisItem: number, result: ProvisionRecord['result'], autoResponse: boolean): ProvisionRecord => ({
    id: seq.provisionId(),
    requestedAt,
    requesterCode,
    legalBasisItem,
    items: ['住民票関係情報（世帯情報）'],
    result,
    autoResponse,
  });
  const linkage = (acquiredAt: string, noAutoResponse: boolean, provisions: ProvisionRecord[]): Linkage => ({
    integratedAddressNumber: seq.integratedAddressNumber(),
    codeStatus: 'ACQUIRED',
    codeAcquiredAt: acquiredAt,
    noAutoResponse,
    updatedAt: provisions.length ? provisions[provisions.length - 1].requestedAt : acquiredAt,
    provisions,
  });
  const number = (value: string, designatedOn = '2015-10-05'): IndividualNumber => ({ value, designatedOn });

  const person = (p: PersonInput): Person => {
    const last = p.movements[p.movements.length - 1];
    const entry = p.movements[0];
    const addressSetOn = [...p.movements].reverse().find((m) => m.reason === 'MOVE_WITHIN' || m === entry)!.occurredOn;
    const lastChange = p.lastChange ?? identityReason(last.reason);
    return {
      addressNumber: addressNumberOf(p.index),
      residentCode: p.residentCode,
      individualNumber: p.individualNumber,
      householdNumber: householdNumberOf(p.household),
      memberOrder: p.memberOrder,
      relationship: p.relationship,
      name: p.name,
      formerSurname: p.formerSurname ?? null,
      alias: p.alias ?? null,
      birth: p.birth,
      sex: p.sex,
      residentType: p.foreign ? 'FOREIGN' : 'JAPANESE',
      foreign: p.foreign ?? null,
      familyRegister: p.foreign ? null : p.familyRegister ?? null,
      status: p.removal ? (p.removal.reason === 'MOVED_OUT' ? 'MOVED_OUT' : p.removal.reason === 'DECEASED' ? 'DECEASED' : 'ERASED') : 'RESIDENT',
      address: p.address,
      becameResidentOn: entry.occurredOn,
      addressSetOn,
      notifiedOn: last.notifiedOn ?? last.occurredOn,
      previousAddress: p.previousAddress ?? null,
      onElectoralRoll: p.onElectoralRoll ?? (!p.foreign && !p.removal),
      removal: p.removal ?? null,
      movements: p.movements,
      certificates: p.certificates ?? [],
      supportMeasures: p.supportMeasures ?? [],
      sealRegistrations: p.seals ?? [],
      identity: {
        lastChange,
        changedOn: last.occurredOn,
        operatorId: 'SG000001',
        terminalId: 'CS010001',
        updatedAt: last.recordedAt,
        mailingCreatedOn: null,
      },
      linkage: p.linkage ?? null,
      card: p.card ?? null,
      updatedAt: last.recordedAt,
      halfWidthKana: p.halfWidthKana ?? false,
    };
  };
  const household = (n: number, formedOn: string, members: Person[]): Household => ({
    householdNumber: householdNumberOf(n),
    headAddressNumber: members[0].addressNumber,
    formedOn,
    members,
    updatedAt: members.reduce((max, m) => (m.updatedAt > max ? m.updatedAt : max), '0000'),
  });

  // --- 1: the first household (太子堂二丁目) --------------------------------------------------
  const taishido1 = makeAddress('太子堂', 1, '８番２号', 'コーポ太子堂２０１号室');
  const taishido2 = makeAddress('太子堂', 2, '３番１２号', null);
  const suginami = '東京都杉並区阿佐谷北３丁目１２番５号';
  const yamadaRegister = { domicile: '東京都世田谷区太子堂二丁目３番', headName: '山田\u3000太郎' };
  const firstCard: CardApplication = {
    applicationId: seq.cardApplicationId(),
    appliedOn: '2020-02-10',
    status: 'ISSUED',
    officeCode: '101',
    events: [
      { status: 'APPLIED', occurredAt: '2020-02-10T10:15:00', officeCode: null },
      { status: 'IN_PRODUCTION', occurredAt: '2020-02-17T09:00:00', officeCode: null },
      { status: 'ARRIVED', occurredAt: '2020-03-16T11:20:00', officeCode: '101' },
      { status: 'NOTICE_SENT', occurredAt: '2020-03-18T15:00:00', officeCode: '101' },
      { status: 'RESERVED', occurredAt: '2020-03-25T13:42:10', officeCode: '101' },
      { status: 'ISSUED', occurredAt: '2020-04-06T10:05:31', officeCode: '101' },
    ],
    reservation: { scheduledAt: '2020-04-06T10:00:00', officeCode: '101', state: 'ATTENDED' },
    updatedAt: '2020-04-06T10:05:31',
  };
  const wifeCard: CardApplication = {
    applicationId: seq.cardApplicationId(),
    appliedOn: '2026-08-20',
    status: 'RESERVED',
    officeCode: '201',
    events: [
      { status: 'APPLIED', occurredAt: '2026-08-20T14:02:11', officeCode: '201' },
      { status: 'IN_PRODUCTION', occurredAt: '2026-08-27T09:00:00', officeCode: null },
      { status: 'ARRIVED', occurredAt: '2026-09-28T10:30:00', officeCode: '201' },
      { status: 'NOTICE_SENT', occurredAt: '2026-09-30T16:00:00', officeCode: '201' },
      { status: 'RESERVED', occurredAt: '2026-10-20T19:31:45', officeCode: '201' },
    ],
    reservation: { scheduledAt: '2026-11-10T14:30:00', officeCode: '201', state: 'BOOKED' },
    updatedAt: '2026-10-20T19:31:45',
  };
  const firstSeals: SealRegistration[] = [{ number: seq.sealNumber(), registeredOn: '2005-05-09', abolishedOn: null }];
  const h1 = household(1, '2005-04-01', [
    person({
      index: 1,
      residentCode: FIXTURE_FIRST_RESIDENT.residentCode,
      individualNumber: number(FIXTURE_FIRST_RESIDENT.individualNumber),
      household: 1,
      memberOrder: 1,
      relationship: 'HEAD',
      name: kanjiName('山田', '太郎', 'ヤマダ', 'タロウ', 'YAMADA', 'TARO'),
      birth: day('1975-04-12'),
      sex: 'MALE',
      address: taishido2,
      previousAddress: suginami,
      familyRegister: yamadaRegister,
      movements: [
        move('MOVE_IN', '2005-04-01', suginami, addressWithBuilding(taishido1), '2005-04-08'),
        move('MOVE_WITHIN', '2015-06-20', addressWithBuilding(taishido1), addressWithBuilding(taishido2), '2015-06-22'),
      ],
      seals: firstSeals,
      certificates: [cert('RESIDENT_RECORD_COPY', '2024-02-05', '201', 'SELF'), cert('SEAL_CERTIFICATE', '2025-06-30', '901', 'SELF')],
      linkage: linkage('2017-07-20T02:14:09', false, [provision('2024-06-11T09:30:12', '900001', 48, 'PROVIDED', true)]),
      card: firstCard,
    }),
    person({
      index: 2,
      residentCode: FIXTURE_FEB29_COMMON_YEAR.residentCode,
      individualNumber: number(FIXTURE_FEB29_COMMON_YEAR.individualNumber),
      household: 1,
      memberOrder: 2,
      relationship: 'WIFE',
      name: kanjiName('山田', '花子', 'ヤマダ', 'ハナコ', 'YAMADA', 'HANAKO'),
      formerSurname: { kanji: '佐藤', kana: 'サトウ' },
      birth: day('1978-02-29'),
      sex: 'FEMALE',
      address: taishido2,
      previousAddress: '東京都目黒区自由が丘２丁目１０番４号',
      familyRegister: yamadaRegister,
      movements: [
        move('MOVE_IN', '2008-10-11', '東京都目黒区自由が丘２丁目１０番４号', addressWithBuilding(taishido1), '2008-10-14'),
        move('MOVE_WITHIN', '2015-06-20', addressWithBuilding(taishido1), addressWithBuilding(taishido2), '2015-06-22'),
      ],
      card: wifeCard,
    }),
    person({
      index: 3,
      residentCode: FIXTURE_CHILD.residentCode,
      individualNumber: number(FIXTURE_CHILD.individualNumber),
      household: 1,
      memberOrder: 3,
      relationship: 'CHILD',
      name: kanjiName('山田', '一郎', 'ヤマダ', 'イチロウ', 'YAMADA', 'ICHIRO'),
      birth: day('2010-08-03'),
      sex: 'MALE',
      address: taishido2,
      familyRegister: yamadaRegister,
      onElectoralRoll: false,
      movements: [
        move('BIRTH', '2010-08-03', null, addressWithBuilding(taishido1), '2010-08-10'),
        move('MOVE_WITHIN', '2015-06-20', addressWithBuilding(taishido1), addressWithBuilding(taishido2), '2015-06-22'),
      ],
    }),
  ]);

  // --- 2: gaiji (下馬四丁目), an old record with half-width kana ---------------------------------
  const shimouma = makeAddress('下馬', 4, '１５番７号', null);
  const tsujiRegister = { domicile: '長野県松本市中央２丁目４番地', headName: '\uE0A1\u3000実' };
  const h2 = household(2, '1980-09-01', [
    person({
      index: 4,
      residentCode: FIXTURE_GAIJI_PRIVATE_USE.residentCode,
      individualNumber: number(FIXTURE_GAIJI_PRIVATE_USE.individualNumber),
      household: 2,
      memberOrder: 1,
      relationship: 'HEAD',
      name: kanjiName('\uE0A1', '実', 'ツジ', 'ミノル', 'TSUJI', 'MINORU'),
      birth: day('1948-11-03'),
      sex: 'MALE',
      address: shimouma,
      previousAddress: '長野県松本市中央２丁目４番８号',
      familyRegister: tsujiRegister,
      halfWidthKana: true,
      movements: [move('MOVE_IN', '1980-09-01', '長野県松本市中央２丁目４番８号', addressWithBuilding(shimouma), '1980-09-05')],
      lastChange: 'RESIDENT_CODE_ENTRY',
    }),
    person({
      index: 5,
      residentCode: FIXTURE_GAIJI_INLINE.residentCode,
      individualNumber: number(FIXTURE_GAIJI_INLINE.individualNumber),
      household: 2,
      memberOrder: 2,
      relationship: 'WIFE',
      name: kanjiName('\uE0A1', 'J+6F22子', 'ツジ', 'ヨシコ', 'TSUJI', 'YOSHIKO'),
      birth: day('1950-05'),
      sex: 'FEMALE',
      address: shimouma,
      previousAddress: '長野県松本市中央２丁目４番８号',
      familyRegister: tsujiRegister,
      halfWidthKana: true,
      movements: [move('MOVE_IN', '1980-09-01', '長野県松本市中央２丁目４番８号', addressWithBuilding(shimouma), '1980-09-05')],
      lastChange: 'RESIDENT_CODE_ENTRY',
    }),
  ]);

  // --- 3: support measure (三軒茶屋一丁目) ------------------------------------------------------
  const sangenjaya = makeAddress('三軒茶屋', 1, '２０番３号', 'メゾン三軒茶屋３０５号室');
  const measures: SupportMeasure[] = [
    { kind: 'DOMESTIC_VIOLENCE', startsOn: '2025-03-01', endsOn: '2026-02-28', interim: false, perpetratorName: '松本\u3000剛' },
    { kind: 'DOMESTIC_VIOLENCE', startsOn: '2026-03-01', endsOn: '2027-02-28', interim: false, perpetratorName: '松本\u3000剛' },
  ];
  const kawasaki = '神奈川県川崎市高津区溝口３丁目８番１号';
  const suzukiRegister = { domicile: '東京都世田谷区三軒茶屋一丁目２０番', headName: '鈴木\u3000美咲' };
  const h3 = household(3, '2024-11-15', [
    person({
      index: 6,
      residentCode: FIXTURE_SUPPORT_MEASURE.residentCode,
      individualNumber: number(FIXTURE_SUPPORT_MEASURE.individualNumber),
      household: 3,
      memberOrder: 1,
      relationship: 'HEAD',
      name: kanjiName('鈴木', '美咲', 'スズキ', 'ミサキ', 'SUZUKI', 'MISAKI'),
      birth: day('1990-06-15'),
      sex: 'FEMALE',
      address: sangenjaya,
      previousAddress: kawasaki,
      familyRegister: suzukiRegister,
      movements: [move('MOVE_IN', '2024-11-15', kawasaki, addressWithBuilding(sangenjaya), '2024-11-20')],
      supportMeasures: measures,
      certificates: [cert('RESIDENT_RECORD_COPY', '2025-04-02', '101', 'SELF')],
      linkage: linkage('2017-07-21T01:02:03', true, [
        provision('2025-09-03T10:11:12', '141305', 27, 'HELD_FOR_REVIEW', false),
        provision('2026-05-19T14:00:41', '900002', 2, 'PROVIDED', false),
      ]),
    }),
    person({
      index: 7,
      residentCode: '30000072172',
      individualNumber: number('200000554331'),
      household: 3,
      memberOrder: 2,
      relationship: 'CHILD',
      name: kanjiName('鈴木', '陽葵', 'スズキ', 'ヒマリ', 'SUZUKI', 'HIMARI'),
      birth: day('2019-09-09'),
      sex: 'FEMALE',
      address: sangenjaya,
      previousAddress: kawasaki,
      familyRegister: suzukiRegister,
      onElectoralRoll: false,
      movements: [move('MOVE_IN', '2024-11-15', kawasaki, addressWithBuilding(sangenjaya), '2024-11-20')],
      supportMeasures: measures,
      linkage: linkage('2019-10-02T03:04:05', true, []),
    }),
  ]);

  // --- 4: a foreign resident with a residence card (経堂二丁目) ------------------------------------
  const kyodo = makeAddress('経堂', 2, '１１番６号', 'ハイツ経堂１０２号室');
  const h4 = household(4, '2019-04-01', [
    person({
      index: 8,
      residentCode: FIXTURE_FOREIGN_RESIDENT.residentCode,
      individualNumber: number(FIXTURE_FOREIGN_RESIDENT.individualNumber, '2019-04-03'),
      household: 4,
      memberOrder: 1,
      relationship: 'HEAD',
      name: { family: 'NGUYEN', given: 'VAN NAM', familyKana: 'グエン', givenKana: 'ヴァン\u3000ナム', familyRomaji: 'NGUYEN', givenRomaji: 'VAN NAM', script: 'LATIN' },
      birth: day('1992-01-20'),
      sex: 'MALE',
      address: kyodo,
      previousAddress: 'ベトナム',
      movements: [move('MOVE_IN', '2019-04-01', 'ベトナム', addressWithBuilding(kyodo), '2019-04-03')],
      foreign: {
        nationality: 'ベトナム',
        category: 'MID_TO_LONG_TERM',
        residenceStatus: '技術・人文知識・国際業務',
        periodOfStay: '５年',
        periodExpiresOn: '2029-03-31',
        residenceCardNumber: 'AB12345678CD',
        specialPermanentCertificateNumber: null,
        becameForeignResidentOn: '2019-04-01',
      },
      linkage: linkage('2019-04-20T04:05:06', false, []),
    }),
    person({
      index: 9,
      residentCode: '30000092793',
      individualNumber: number('200000712719', '2020-01-15'),
      household: 4,
      memberOrder: 2,
      relationship: 'WIFE',
      name: { family: 'TRAN', given: 'THI LAN', familyKana: 'チャン', givenKana: 'ティ\u3000ラン', familyRomaji: 'TRAN', givenRomaji: 'THI LAN', script: 'LATIN' },
      birth: day('1994-07-07'),
      sex: 'FEMALE',
      address: kyodo,
      previousAddress: 'ベトナム',
      movements: [move('MOVE_IN', '2020-01-13', 'ベトナム', addressWithBuilding(kyodo), '2020-01-15')],
      foreign: {
        nationality: 'ベトナム',
        category: 'MID_TO_LONG_TERM',
        residenceStatus: '家族滞在',
        periodOfStay: '５年',
        periodExpiresOn: '2029-03-31',
        residenceCardNumber: 'CD87654321EF',
        specialPermanentCertificateNumber: null,
        becameForeignResidentOn: '2020-01-13',
      },
    }),
  ]);

  // --- 5: 特別永住者 with a 通称 (用賀三丁目) --------------------------------------------------------
  const yoga = makeAddress('用賀', 3, '１８番２２号', null);
  const h5 = household(5, '2012-07-09', [
    person({
      index: 10,
      residentCode: FIXTURE_SPECIAL_PERMANENT.residentCode,
      individualNumber: number(FIXTURE_SPECIAL_PERMANENT.individualNumber),
      household: 5,
      memberOrder: 1,
      relationship: 'HEAD',
      name: { family: '金', given: '英哲', familyKana: 'キム', givenKana: 'ヨンチョル', familyRomaji: 'KIM', givenRomaji: 'YOUNGCHUL', script: 'KANJI' },
      birth: day('1955-03-03'),
      sex: 'MALE',
      address: yoga,
      movements: [move('EX_OFFICIO_ENTRY', '2012-07-09', null, addressWithBuilding(yoga), null)],
      foreign: {
        nationality: '韓国',
        category: 'SPECIAL_PERMANENT',
        residenceStatus: null,
        periodOfStay: null,
        periodExpiresOn: null,
        residenceCardNumber: null,
        specialPermanentCertificateNumber: 'SP12345678KR',
        becameForeignResidentOn: '2012-07-09',
      },
      alias: { kanji: '金田\u3000英夫', kana: 'カネダ\u3000ヒデオ', recordedOn: '2012-07-09', removedOn: null },
      seals: [{ number: seq.sealNumber(), registeredOn: '2013-01-15', abolishedOn: null }],
    }),
  ]);

  // --- 6: 転出 (南烏山二丁目) ----------------------------------------------------------------------
  const minamikarasuyama = makeAddress('南烏山', 2, '９番１４号', 'サニー南烏山２０３号室');
  const h6 = household(6, '2016-04-01', [
    person({
      index: 11,
      residentCode: FIXTURE_MOVED_OUT.residentCode,
      individualNumber: number(FIXTURE_MOVED_OUT.individualNumber),
      household: 6,
      memberOrder: 1,
      relationship: 'HEAD',
      name: kanjiName('田中', '健一', 'タナカ', 'ケンイチ', 'TANAKA', 'KENICHI'),
      birth: day('1988-12-01'),
      sex: 'MALE',
      address: minamikarasuyama,
      previousAddress: '宮城県仙台市青葉区一番町４丁目１番１号',
      familyRegister: { domicile: '宮城県仙台市青葉区一番町４丁目１番地', headName: '田中\u3000和夫' },
      movements: [
        move('MOVE_IN', '2016-04-01', '宮城県仙台市青葉区一番町４丁目１番１号', addressWithBuilding(minamikarasuyama), '2016-04-04'),
        move('MOVE_OUT', '2024-03-31', addressWithBuilding(minamikarasuyama), FIXTURE_MOVED_OUT.destination, '2024-03-22'),
      ],
      removal: { reason: 'MOVED_OUT', occurredOn: '2024-03-31', notifiedOn: '2024-03-22', destination: FIXTURE_MOVED_OUT.destination },
      certificates: [cert('REMOVED_RECORD_COPY', '2025-01-10', '105', 'THIRD_PARTY')],
    }),
  ]);

  // --- 7: 死亡, born 明治45年7月30日 (北沢三丁目) ------------------------------------------------------
  const kitazawa = makeAddress('北沢', 3, '２番９号', null);
  const h7 = household(7, '1961-05-10', [
    person({
      index: 12,
      residentCode: FIXTURE_DECEASED.residentCode,
      individualNumber: number(FIXTURE_DECEASED.individualNumber),
      household: 7,
      memberOrder: 1,
      relationship: 'HEAD',
      name: kanjiName('高橋', '清', 'タカハシ', 'キヨシ', 'TAKAHASHI', 'KIYOSHI'),
      birth: { value: '1912-07-30', approximate: false, era: 'MEIJI' },
      sex: 'MALE',
      address: kitazawa,
      previousAddress: '新潟県新潟市中央区古町通６丁目９番３号',
      familyRegister: { domicile: '東京都世田谷区北沢三丁目２番', headName: '高橋\u3000清' },
      halfWidthKana: true,
      movements: [
        move('MOVE_IN', '1961-05-10', '新潟県新潟市中央区古町通６丁目９番３号', addressWithBuilding(kitazawa), '1961-05-12'),
        move('DEATH', '2016-01-20', addressWithBuilding(kitazawa), null, '2016-01-22'),
      ],
      removal: { reason: 'DECEASED', occurredOn: '2016-01-20', notifiedOn: '2016-01-22', destination: null },
    }),
  ]);

  // --- 8: 職権消除 (砧五丁目) -----------------------------------------------------------------------
  const kinuta = makeAddress('砧', 5, '３番１号', '砧荘１０４号室');
  const h8 = household(8, '2009-02-16', [
    person({
      index: 13,
      residentCode: FIXTURE_ERASED.residentCode,
      individualNumber: number(FIXTURE_ERASED.individualNumber),
      household: 8,
      memberOrder: 1,
      relationship: 'HEAD',
      name: kanjiName('伊藤', '進', 'イトウ', 'ススム', 'ITO', 'SUSUMU'),
      birth: day('1945'),
      sex: 'MALE',
      address: kinuta,
      previousAddress: '大阪府大阪市北区梅田１丁目３番１号',
      familyRegister: { domicile: '大阪府大阪市北区梅田１丁目３番地', headName: '伊藤\u3000進' },
      movements: [
        move('MOVE_IN', '2009-02-16', '大阪府大阪市北区梅田１丁目３番１号', addressWithBuilding(kinuta), '2009-02-20'),
        move('EX_OFFICIO_ERASURE', '2023-06-01', addressWithBuilding(kinuta), null, null),
      ],
      removal: { reason: 'ERASED', occurredOn: '2023-06-01', notifiedOn: '2023-06-01', destination: null },
    }),
  ]);

  // --- 9: 大正15年12月25日 (成城六丁目) --------------------------------------------------------------
  const seijo = makeAddress('成城', 6, '１２番３号', null);
  const h9 = household(9, '1958-03-20', [
    person({
      index: 14,
      residentCode: FIXTURE_TAISHO_15.residentCode,
      individualNumber: number(FIXTURE_TAISHO_15.individualNumber),
      household: 9,
      memberOrder: 1,
      relationship: 'HEAD',
      name: kanjiName('渡辺', 'トシ', 'ワタナベ', 'トシ', 'WATANABE', 'TOSHI'),
      birth: { value: '1926-12-25', approximate: false, era: 'TAISHO' },
      sex: 'FEMALE',
      address: seijo,
      previousAddress: '広島県広島市中区紙屋町２丁目２番２号',
      familyRegister: { domicile: '東京都世田谷区成城六丁目１２番', headName: '渡辺\u3000正雄' },
      movements: [move('MOVE_IN', '1958-03-20', '広島県広島市中区紙屋町２丁目２番２号', addressWithBuilding(seijo), '1958-03-25')],
      lastChange: 'RESIDENT_CODE_ENTRY',
    }),
  ]);

  // --- 10: 年月日不詳 and 頃 (粕谷二丁目) -------------------------------------------------------------
  const kasuya = makeAddress('粕谷', 2, '６番１８号', null);
  const h10 = household(10, '1999-11-01', [
    person({
      index: 15,
      residentCode: FIXTURE_UNKNOWN_BIRTH.residentCode,
      individualNumber: null,
      household: 10,
      memberOrder: 1,
      relationship: 'HEAD',
      name: kanjiName('小林', 'ハル', 'コバヤシ', 'ハル', 'KOBAYASHI', 'HARU'),
      birth: { value: null, approximate: false },
      sex: 'FEMALE',
      address: kasuya,
      previousAddress: '北海道札幌市中央区北一条西９丁目３番１号',
      familyRegister: { domicile: '北海道札幌市中央区北一条西９丁目３番地', headName: '小林\u3000ハル' },
      movements: [move('MOVE_IN', '1999-11-01', '北海道札幌市中央区北一条西９丁目３番１号', addressWithBuilding(kasuya), '1999-11-04')],
    }),
    person({
      index: 16,
      residentCode: FIXTURE_APPROXIMATE_BIRTH.residentCode,
      individualNumber: number(FIXTURE_APPROXIMATE_BIRTH.individualNumber),
      household: 10,
      memberOrder: 2,
      relationship: 'LODGER',
      name: kanjiName('中村', '勇', 'ナカムラ', 'イサム', 'NAKAMURA', 'ISAMU'),
      birth: { value: '1940', approximate: true },
      sex: 'MALE',
      address: kasuya,
      previousAddress: '福岡県福岡市中央区天神２丁目１番１号',
      familyRegister: { domicile: '福岡県福岡市中央区天神２丁目１番地', headName: '中村\u3000勇' },
      movements: [move('MOVE_IN', '2003-04-14', '福岡県福岡市中央区天神２丁目１番１号', addressWithBuilding(kasuya), '2003-04-15')],
    }),
  ]);

  return [h1, h2, h3, h4, h5, h6, h7, h8, h9, h10];
}

function identityReason(reason: Movement['reason']): IdentityChangeReason {
  switch (reason) {
    case 'MOVE_OUT':
      return 'MOVE_OUT';
    case 'DEATH':
      return 'DEATH';
    case 'EX_OFFICIO_ERASURE':
      return 'EX_OFFICIO_ERASURE';
    case 'EX_OFFICIO_ENTRY':
      return 'EX_OFFICIO_ENTRY';
    case 'BIRTH':
      return 'BIRTH';
    case 'MOVE_WITHIN':
      return 'MOVE_WITHIN';
    default:
      return 'MOVE_IN';
  }
}
