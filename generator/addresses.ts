import type { SeededRandom } from '../lib/random';
import type { Address } from '../lib/synthetic/model';
import { WeightedPool } from './sampling';

/**
 * Addresses in the ward: real town names of 世田谷区 with their chōme counts and postcodes
 * (public facts), synthetic block numbers and building names. The 4-digit town codes are the
 * generator's own numbering, standing in for the ward's address table.
 */

export const WARD_PREFIX = '東京都世田谷区';

interface Town {
  name: string;
  chome: number;
  postalCode: string;
  /** Rough share of the ward's population. */
  weight: number;
}

const TOWNS: readonly Town[] = [
  { name: '池尻', chome: 4, postalCode: '1540001', weight: 3 },
  { name: '下馬', chome: 6, postalCode: '1540002', weight: 4 },
  { name: '野沢', chome: 4, postalCode: '1540003', weight: 3 },
  { name: '太子堂', chome: 5, postalCode: '1540004', weight: 5 },
  { name: '三宿', chome: 2, postalCode: '1540005', weight: 2 },
  { name: '世田谷', chome: 4, postalCode: '1540017', weight: 5 },
  { name: '弦巻', chome: 5, postalCode: '1540016', weight: 4 },
  { name: '桜新町', chome: 2, postalCode: '1540015', weight: 2 },
  { name: '新町', chome: 3, postalCode: '1540014', weight: 2 },
  { name: '駒沢', chome: 5, postalCode: '1540012', weight: 4 },
  { name: '上馬', chome: 5, postalCode: '1540011', weight: 4 },
  { name: '若林', chome: 5, postalCode: '1540023', weight: 4 },
  { name: '三軒茶屋', chome: 2, postalCode: '1540024', weight: 3 },
  { name: '梅丘', chome: 3, postalCode: '1540022', weight: 2 },
  { name: '豪徳寺', chome: 2, postalCode: '1540021', weight: 2 },
  { name: '北沢', chome: 5, postalCode: '1550031', weight: 4 },
  { name: '代沢', chome: 5, postalCode: '1550032', weight: 4 },
  { name: '代田', chome: 6, postalCode: '1550033', weight: 4 },
  { name: '松原', chome: 6, postalCode: '1560043', weight: 4 },
  { name: '赤堤', chome: 5, postalCode: '1560044', weight: 3 },
  { name: '桜上水', chome: 5, postalCode: '1560045', weight: 3 },
  { name: '経堂', chome: 5, postalCode: '1560052', weight: 4 },
  { name: '宮坂', chome: 3, postalCode: '1560051', weight: 2 },
  { name: '桜丘', chome: 5, postalCode: '1560054', weight: 3 },
  { name: '船橋', chome: 7, postalCode: '1560055', weight: 4 },
  { name: '八幡山', chome: 3, postalCode: '1560056', weight: 2 },
  { name: '上北沢', chome: 5, postalCode: '1560057', weight: 3 },
  { name: '用賀', chome: 4, postalCode: '1580097', weight: 4 },
  { name: '玉川', chome: 4, postalCode: '1580094', weight: 4 },
  { name: '瀬田', chome: 5, postalCode: '1580095', weight: 3 },
  { name: '上野毛', chome: 4, postalCode: '1580093', weight: 2 },
  { name: '野毛', chome: 3, postalCode: '1580092', weight: 2 },
  { name: '等々力', chome: 8, postalCode: '1580082', weight: 4 },
  { name: '尾山台', chome: 3, postalCode: '1580086', weight: 2 },
  { name: '奥沢', chome: 8, postalCode: '1580083', weight: 4 },
  { name: '深沢', chome: 8, postalCode: '1580081', weight: 4 },
  { name: '成城', chome: 9, postalCode: '1570066', weight: 4 },
  { name: '砧', chome: 8, postalCode: '1570073', weight: 4 },
  { name: '喜多見', chome: 9, postalCode: '1570067', weight: 4 },
  { name: '祖師谷', chome: 6, postalCode: '1570072', weight: 3 },
  { name: '千歳台', chome: 6, postalCode: '1570071', weight: 3 },
  { name: '大蔵', chome: 6, postalCode: '1570074', weight: 2 },
  { name: '岡本', chome: 3, postalCode: '1570076', weight: 2 },
  { name: '南烏山', chome: 6, postalCode: '1570062', weight: 4 },
  { name: '北烏山', chome: 9, postalCode: '1570061', weight: 3 },
  { name: '給田', chome: 5, postalCode: '1570064', weight: 2 },
  { name: '上祖師谷', chome: 7, postalCode: '1570065', weight: 3 },
  { name: '粕谷', chome: 4, postalCode: '1570063', weight: 2 },
];

const KANJI_NUMERALS = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'] as const;

/** 全角 digits, as the register writes 番地 (the adapters fold them with NFKC). */
export function fullWidthDigits(value: string | number): string {
  return String(value).replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0x30 + 0xff10));
}

interface TownEntry extends Town {
  code: string;
}

const TOWN_ENTRIES: readonly TownEntry[] = TOWNS.map((town, i) => ({ ...town, code: String((i + 1) * 10).padStart(4, '0') }));
const TOWN_POOL = new WeightedPool(TOWN_ENTRIES.map((t) => [t, t.weight] as const));

const BUILDING_PREFIXES = ['メゾン', 'コーポ', 'ハイツ', 'グランド', 'パーク', 'サニー', 'ライオンズ', 'レジデンス', 'シティ', 'ベル'] as const;
const BUILDING_SUFFIXES = ['荘', 'ハイム', 'コート', 'マンション', 'テラス', 'ヒルズ', 'ハウス', 'レジデンス'] as const;

export function townByName(name: string): TownEntry {
  const town = TOWN_ENTRIES.find((t) => t.name === name);
  if (!town) throw new RangeError(`unknown town in the generator's table: ${name}`);
  return town;
}

/** A fixed address, for the documented fixtures. */
export function makeAddress(townName: string, chome: number, block: string, building: string | null): Address {
  const town = townByName(townName);
  if (chome < 1 || chome > town.chome) throw new RangeError(`${townName} has no ${chome}丁目`);
  return {
    townCode: town.code,
    chome,
    code: town.code + String(chome).padStart(2, '0'),
    postalCode: town.postalCode,
    town: `${WARD_PREFIX}${town.name}${KANJI_NUMERALS[chome]}丁目`,
    block,
    building,
  };
}

/** A random address in the ward; about a third of households live in a named building (方書). */
export function randomWardAddress(rng: SeededRandom): Address {
  const town = TOWN_POOL.pick(rng);
  const chome = rng.int(1, town.chome);
  const block = `${fullWidthDigits(rng.int(1, 40))}番${fullWidthDigits(rng.int(1, 30))}号`;
  let building: string | null = null;
  if (rng.chance(0.35)) {
    const name = rng.chance(0.5) ? `${rng.pick(BUILDING_PREFIXES)}${town.name}` : `${town.name}${rng.pick(BUILDING_SUFFIXES)}`;
    building = `${name}${fullWidthDigits(rng.int(1, 8) * 100 + rng.int(1, 12))}号室`;
  }
  return makeAddress(town.name, chome, block, building);
}

/** Places outside the ward that people come from and go to (city + town, real names). */
const ELSEWHERE: readonly (readonly [string, number])[] = [
  ['東京都杉並区阿佐谷北', 6], ['東京都目黒区自由が丘', 3], ['東京都渋谷区笹塚', 3], ['東京都大田区田園調布', 5],
  ['東京都狛江市和泉本町', 4], ['東京都調布市国領町', 8], ['東京都三鷹市下連雀', 9], ['東京都品川区西五反田', 8],
  ['東京都練馬区豊玉北', 6], ['東京都中野区中央', 5], ['神奈川県川崎市中原区小杉町', 3], ['神奈川県川崎市高津区溝口', 6],
  ['神奈川県横浜市青葉区美しが丘', 5], ['神奈川県横浜市港北区日吉', 7], ['埼玉県さいたま市浦和区高砂', 4], ['千葉県千葉市美浜区幸町', 2],
  ['大阪府大阪市北区梅田', 3], ['愛知県名古屋市中区栄', 5], ['北海道札幌市中央区北一条西', 9], ['福岡県福岡市中央区天神', 4],
  ['宮城県仙台市青葉区一番町', 4], ['広島県広島市中区紙屋町', 2], ['長野県松本市中央', 4], ['新潟県新潟市中央区古町通', 9],
];

/** Countries people arrive from or leave to (転入 from abroad, 国外転出). */
const ABROAD = ['アメリカ合衆国', '中華人民共和国', '大韓民国', 'ベトナム', 'フィリピン', 'ネパール', 'イギリス', 'フランス', 'ドイツ', 'オーストラリア', 'インド', 'ブラジル'] as const;

/** An address outside the ward, one line, with a synthetic block: '神奈川県川崎市中原区小杉町２丁目５番３号'. */
export function randomElsewhere(rng: SeededRandom): string {
  const [place, chome] = rng.pick(ELSEWHERE);
  return `${place}${fullWidthDigits(rng.int(1, chome))}丁目${fullWidthDigits(rng.int(1, 30))}番${fullWidthDigits(rng.int(1, 25))}号`;
}

export function randomAbroad(rng: SeededRandom): string {
  return rng.pick(ABROAD);
}

/** 本籍: a 番地 in the ward or elsewhere in Japan (no 号: family registers stop at 番地). */
export function randomDomicile(rng: SeededRandom): string {
  if (rng.chance(0.45)) {
    const town = TOWN_POOL.pick(rng);
    return `${WARD_PREFIX}${town.name}${KANJI_NUMERALS[rng.int(1, town.chome)]}丁目${fullWidthDigits(rng.int(1, 40))}番`;
  }
  const [place, chome] = rng.pick(ELSEWHERE);
  return `${place}${fullWidthDigits(rng.int(1, chome))}丁目${fullWidthDigits(rng.int(1, 30))}番地`;
}
