import type { Office, OutsideBody } from './model';

/**
 * Reference data that the systems share: the ward's counters and the outside bodies that query
 * the intermediate server. Codes are the ward's (offices) or national codes (municipalities'
 * 全国地方公共団体コード); they link records across systems, so they belong to the world, not
 * to one writer.
 */

/** The five 総合支所 and the 出張所 named in the assessment (I-2), plus the convenience-store service. */
export const OFFICES: readonly Office[] = [
  { code: '101', name: '世田谷総合支所', issuesCards: true },
  { code: '102', name: '北沢総合支所', issuesCards: true },
  { code: '103', name: '玉川総合支所', issuesCards: true },
  { code: '104', name: '砧総合支所', issuesCards: true },
  { code: '105', name: '烏山総合支所', issuesCards: true },
  { code: '201', name: '太子堂出張所', issuesCards: true },
  { code: '202', name: '経堂出張所', issuesCards: true },
  { code: '203', name: '用賀出張所', issuesCards: true },
  { code: '204', name: '二子玉川出張所', issuesCards: true },
  { code: '205', name: '烏山出張所', issuesCards: true },
];

/** Certificates also come out of convenience-store machines (コンビニ交付), a counter of its own. */
export const CONVENIENCE_STORE_OFFICE: Office = { code: '901', name: 'コンビニエンスストア交付', issuesCards: false };

/** Every counter that can appear in certificate issuance history. */
export const CERTIFICATE_OFFICES: readonly Office[] = [...OFFICES, CONVENIENCE_STORE_OFFICE];

/** Counters that hand over cards: the branch offices do most of it. */
export const CARD_OFFICES: readonly Office[] = OFFICES.filter((o) => o.issuesCards);

/** 市町村コード of the ward itself (世田谷区), as the CS records it. */
export const WARD_MUNICIPALITY_CODE = '131121';

/**
 * Outside bodies with the 番号法 別表第二 items under which they ask for 住民票関係情報. The
 * item numbers are those the ward's assessment lists for each kind of body (I-6 ②, 提供先1–58);
 * the bodies stand for their kind (one pension office, one health-insurance society …).
 */
export const OUTSIDE_BODIES: readonly OutsideBody[] = [
  { code: '900001', name: '日本年金機構', legalBasisItems: [48, 84, 111, 117] },
  { code: '900002', name: '全国健康保険協会', legalBasisItems: [2, 6] },
  { code: '900003', name: '厚生労働大臣', legalBasisItems: [1, 4, 77, 114] },
  { code: '900004', name: '東京都後期高齢者医療広域連合', legalBasisItems: [80] },
  { code: '900005', name: '国家公務員共済組合', legalBasisItems: [39, 40] },
  { code: '900006', name: '地方公務員共済組合', legalBasisItems: [58] },
  { code: '900007', name: '日本私立学校振興・共済事業団', legalBasisItems: [34] },
  { code: '900008', name: '独立行政法人日本学生支援機構', legalBasisItems: [106] },
  { code: '900009', name: '第一情報産業健康保険組合', legalBasisItems: [3] },
  { code: '130001', name: '東京都知事', legalBasisItems: [8, 9, 23, 66, 120] },
  { code: '140007', name: '神奈川県知事', legalBasisItems: [8, 9, 120] },
  { code: '131105', name: '目黒区長', legalBasisItems: [27, 42, 94, 116] },
  { code: '131113', name: '大田区長', legalBasisItems: [27, 42, 94] },
  { code: '131130', name: '渋谷区長', legalBasisItems: [27, 42, 116] },
  { code: '131156', name: '杉並区長', legalBasisItems: [27, 42, 94, 116] },
  { code: '141003', name: '横浜市長', legalBasisItems: [11, 27, 42, 94, 108, 116] },
  { code: '141305', name: '川崎市長', legalBasisItems: [27, 42, 94, 116] },
  { code: '271004', name: '大阪市長', legalBasisItems: [27, 42, 94] },
  { code: '011002', name: '札幌市長', legalBasisItems: [27, 42] },
];

/** 特定個人情報の項目 that a provision can carry (all 住民票関係情報, in the interface's wording). */
export const PROVISION_ITEMS: readonly string[] = [
  '住民票関係情報（世帯情報）',
  '住民票関係情報（氏名・住所・生年月日・性別）',
  '住民票関係情報（異動情報）',
  '住民票関係情報（続柄）',
];

/** The day individual numbers were first designated to everyone on the register. */
export const INDIVIDUAL_NUMBER_START = '2015-10-05';
/** First day My Number cards were handed over. */
export const CARD_START = '2016-01-12';
/** 住基ネット began: 住民票コード were written into every record. */
export const RESIDENT_CODE_START = '2002-08-05';
/** The national information-provision network went into full operation. */
export const PROVISION_NETWORK_START = '2017-11-13';
/** Foreign residents came onto the resident register (改正住基法施行). */
export const FOREIGN_REGISTER_START = '2012-07-09';
