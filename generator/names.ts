import type { SeededRandom } from '../lib/random';
import type { NameScript, PersonName, Sex } from '../lib/synthetic/model';
import { WeightedPool, rankWeighted } from './sampling';

/**
 * Name pools for synthetic persons. Every name is assembled at random from common surnames and
 * common given names, so no generated person is anyone in particular. Kana are full-width
 * katakana; romaji upper-case Hepburn without macrons, as passports write them.
 */

type Entry = readonly [kanji: string, kana: string, romaji: string];

/** Common Japanese surnames, most frequent first (weights follow the rank). */
const SURNAMES: readonly Entry[] = [
  ['佐藤', 'サトウ', 'SATO'], ['鈴木', 'スズキ', 'SUZUKI'], ['高橋', 'タカハシ', 'TAKAHASHI'], ['田中', 'タナカ', 'TANAKA'],
  ['伊藤', 'イトウ', 'ITO'], ['渡辺', 'ワタナベ', 'WATANABE'], ['山本', 'ヤマモト', 'YAMAMOTO'], ['中村', 'ナカムラ', 'NAKAMURA'],
  ['小林', 'コバヤシ', 'KOBAYASHI'], ['加藤', 'カトウ', 'KATO'], ['吉田', 'ヨシダ', 'YOSHIDA'], ['山田', 'ヤマダ', 'YAMADA'],
  ['佐々木', 'ササキ', 'SASAKI'], ['山口', 'ヤマグチ', 'YAMAGUCHI'], ['松本', 'マツモト', 'MATSUMOTO'], ['井上', 'イノウエ', 'INOUE'],
  ['木村', 'キムラ', 'KIMURA'], ['林', 'ハヤシ', 'HAYASHI'], ['斎藤', 'サイトウ', 'SAITO'], ['清水', 'シミズ', 'SHIMIZU'],
  ['山崎', 'ヤマザキ', 'YAMAZAKI'], ['森', 'モリ', 'MORI'], ['池田', 'イケダ', 'IKEDA'], ['橋本', 'ハシモト', 'HASHIMOTO'],
  ['阿部', 'アベ', 'ABE'], ['石川', 'イシカワ', 'ISHIKAWA'], ['山下', 'ヤマシタ', 'YAMASHITA'], ['中島', 'ナカジマ', 'NAKAJIMA'],
  ['石井', 'イシイ', 'ISHII'], ['小川', 'オガワ', 'OGAWA'], ['前田', 'マエダ', 'MAEDA'], ['岡田', 'オカダ', 'OKADA'],
  ['長谷川', 'ハセガワ', 'HASEGAWA'], ['藤田', 'フジタ', 'FUJITA'], ['後藤', 'ゴトウ', 'GOTO'], ['近藤', 'コンドウ', 'KONDO'],
  ['村上', 'ムラカミ', 'MURAKAMI'], ['遠藤', 'エンドウ', 'ENDO'], ['青木', 'アオキ', 'AOKI'], ['坂本', 'サカモト', 'SAKAMOTO'],
  ['斉藤', 'サイトウ', 'SAITO'], ['福田', 'フクダ', 'FUKUDA'], ['太田', 'オオタ', 'OTA'], ['西村', 'ニシムラ', 'NISHIMURA'],
  ['藤井', 'フジイ', 'FUJII'], ['金子', 'カネコ', 'KANEKO'], ['岡本', 'オカモト', 'OKAMOTO'], ['藤原', 'フジワラ', 'FUJIWARA'],
  ['中野', 'ナカノ', 'NAKANO'], ['三浦', 'ミウラ', 'MIURA'], ['原田', 'ハラダ', 'HARADA'], ['中川', 'ナカガワ', 'NAKAGAWA'],
  ['松田', 'マツダ', 'MATSUDA'], ['竹内', 'タケウチ', 'TAKEUCHI'], ['小野', 'オノ', 'ONO'], ['田村', 'タムラ', 'TAMURA'],
  ['中山', 'ナカヤマ', 'NAKAYAMA'], ['和田', 'ワダ', 'WADA'], ['石田', 'イシダ', 'ISHIDA'], ['森田', 'モリタ', 'MORITA'],
  ['上田', 'ウエダ', 'UEDA'], ['原', 'ハラ', 'HARA'], ['内田', 'ウチダ', 'UCHIDA'], ['柴田', 'シバタ', 'SHIBATA'],
  ['酒井', 'サカイ', 'SAKAI'], ['宮崎', 'ミヤザキ', 'MIYAZAKI'], ['横山', 'ヨコヤマ', 'YOKOYAMA'], ['高木', 'タカギ', 'TAKAGI'],
  ['安藤', 'アンドウ', 'ANDO'], ['宮本', 'ミヤモト', 'MIYAMOTO'], ['大野', 'オオノ', 'ONO'], ['小島', 'コジマ', 'KOJIMA'],
  ['工藤', 'クドウ', 'KUDO'], ['谷口', 'タニグチ', 'TANIGUCHI'], ['今井', 'イマイ', 'IMAI'], ['高田', 'タカダ', 'TAKADA'],
  ['丸山', 'マルヤマ', 'MARUYAMA'], ['増田', 'マスダ', 'MASUDA'], ['杉山', 'スギヤマ', 'SUGIYAMA'], ['村田', 'ムラタ', 'MURATA'],
  ['大塚', 'オオツカ', 'OTSUKA'], ['小山', 'コヤマ', 'KOYAMA'], ['藤本', 'フジモト', 'FUJIMOTO'], ['平野', 'ヒラノ', 'HIRANO'],
  ['新井', 'アライ', 'ARAI'], ['河野', 'コウノ', 'KONO'], ['上野', 'ウエノ', 'UENO'], ['武田', 'タケダ', 'TAKEDA'],
  ['松井', 'マツイ', 'MATSUI'], ['千葉', 'チバ', 'CHIBA'], ['岩崎', 'イワサキ', 'IWASAKI'], ['菅原', 'スガワラ', 'SUGAWARA'],
  ['木下', 'キノシタ', 'KINOSHITA'], ['久保', 'クボ', 'KUBO'], ['佐野', 'サノ', 'SANO'], ['野口', 'ノグチ', 'NOGUCHI'],
  ['松尾', 'マツオ', 'MATSUO'], ['野村', 'ノムラ', 'NOMURA'], ['菊地', 'キクチ', 'KIKUCHI'], ['桜井', 'サクライ', 'SAKURAI'],
  ['渡部', 'ワタナベ', 'WATANABE'], ['東', 'ヒガシ', 'HIGASHI'], ['望月', 'モチヅキ', 'MOCHIZUKI'], ['市川', 'イチカワ', 'ICHIKAWA'],
];

/**
 * Variant kanji that family registers keep apart and that must survive every layer unchanged:
 * 髙 (U+9AD9) and 齋/齊/邊/邉 are ordinary JIS characters; 﨑 (U+FA11) and 塚 (U+FA10) sit in the
 * CJK Compatibility Ideographs block, and NFKC folds 塚 into 塚 — exactly what must not happen
 * to a name. Rare on purpose, as in real registers.
 */
const VARIANT_SURNAMES: readonly Entry[] = [
  ['髙橋', 'タカハシ', 'TAKAHASHI'], ['齋藤', 'サイトウ', 'SAITO'], ['齊藤', 'サイトウ', 'SAITO'], ['渡邊', 'ワタナベ', 'WATANABE'],
  ['渡邉', 'ワタナベ', 'WATANABE'], ['山﨑', 'ヤマザキ', 'YAMAZAKI'], ['大塚', 'オオツカ', 'OTSUKA'], ['髙木', 'タカギ', 'TAKAGI'],
];

const SURNAME_POOL = new WeightedPool<Entry>([
  ...SURNAMES.map((entry, rank) => [entry, 1 / Math.pow(rank + 1, 0.6)] as const),
  ...VARIANT_SURNAMES.map((entry) => [entry, 0.02] as const),
]);

/** Given names by sex and birth cohort: a 1940 baby and a 2020 baby do not share names. */
type Cohort = 'OLD' | 'MIDDLE' | 'YOUNG';

const GIVEN: Record<Sex, Record<Cohort, readonly Entry[]>> = {
  MALE: {
    OLD: [
      ['清', 'キヨシ', 'KIYOSHI'], ['茂', 'シゲル', 'SHIGERU'], ['博', 'ヒロシ', 'HIROSHI'], ['勇', 'イサム', 'ISAMU'],
      ['進', 'ススム', 'SUSUMU'], ['実', 'ミノル', 'MINORU'], ['正', 'タダシ', 'TADASHI'], ['武', 'タケシ', 'TAKESHI'],
      ['三郎', 'サブロウ', 'SABURO'], ['昭', 'アキラ', 'AKIRA'], ['勝', 'マサル', 'MASARU'], ['修', 'オサム', 'OSAMU'],
      ['弘', 'ヒロシ', 'HIROSHI'], ['和夫', 'カズオ', 'KAZUO'], ['正雄', 'マサオ', 'MASAO'], ['健二', 'ケンジ', 'KENJI'],
    ],
    MIDDLE: [
      ['誠', 'マコト', 'MAKOTO'], ['浩', 'ヒロシ', 'HIROSHI'], ['健一', 'ケンイチ', 'KENICHI'], ['大輔', 'ダイスケ', 'DAISUKE'],
      ['直樹', 'ナオキ', 'NAOKI'], ['哲也', 'テツヤ', 'TETSUYA'], ['拓也', 'タクヤ', 'TAKUYA'], ['健太', 'ケンタ', 'KENTA'],
      ['和彦', 'カズヒコ', 'KAZUHIKO'], ['隆', 'タカシ', 'TAKASHI'], ['剛', 'ツヨシ', 'TSUYOSHI'], ['達也', 'タツヤ', 'TATSUYA'],
      ['翔太', 'ショウタ', 'SHOTA'], ['雄一', 'ユウイチ', 'YUICHI'], ['亮', 'リョウ', 'RYO'], ['秀樹', 'ヒデキ', 'HIDEKI'],
    ],
    YOUNG: [
      ['蓮', 'レン', 'REN'], ['陽翔', 'ハルト', 'HARUTO'], ['湊', 'ミナト', 'MINATO'], ['大翔', 'ヒロト', 'HIROTO'],
      ['悠真', 'ユウマ', 'YUMA'], ['蒼', 'アオイ', 'AOI'], ['樹', 'イツキ', 'ITSUKI'], ['悠人', 'ユウト', 'YUTO'],
      ['颯太', 'ソウタ', 'SOTA'], ['陸', 'リク', 'RIKU'], ['大和', 'ヤマト', 'YAMATO'], ['翔', 'ショウ', 'SHO'],
      ['優斗', 'ユウト', 'YUTO'], ['律', 'リツ', 'RITSU'], ['朝陽', 'アサヒ', 'ASAHI'], ['碧', 'アオイ', 'AOI'],
    ],
  },
  FEMALE: {
    OLD: [
      ['和子', 'カズコ', 'KAZUKO'], ['幸子', 'サチコ', 'SACHIKO'], ['節子', 'セツコ', 'SETSUKO'], ['京子', 'キョウコ', 'KYOKO'],
      ['洋子', 'ヨウコ', 'YOKO'], ['久子', 'ヒサコ', 'HISAKO'], ['美代子', 'ミヨコ', 'MIYOKO'], ['トシ', 'トシ', 'TOSHI'],
      ['ハル', 'ハル', 'HARU'], ['文子', 'フミコ', 'FUMIKO'], ['信子', 'ノブコ', 'NOBUKO'], ['照子', 'テルコ', 'TERUKO'],
      ['静江', 'シズエ', 'SHIZUE'], ['キヨ', 'キヨ', 'KIYO'], ['千代', 'チヨ', 'CHIYO'], ['登美子', 'トミコ', 'TOMIKO'],
    ],
    MIDDLE: [
      ['恵子', 'ケイコ', 'KEIKO'], ['裕子', 'ユウコ', 'YUKO'], ['智子', 'トモコ', 'TOMOKO'], ['直美', 'ナオミ', 'NAOMI'],
      ['真由美', 'マユミ', 'MAYUMI'], ['明美', 'アケミ', 'AKEMI'], ['美穂', 'ミホ', 'MIHO'], ['恵', 'メグミ', 'MEGUMI'],
      ['愛', 'アイ', 'AI'], ['彩', 'アヤ', 'AYA'], ['由美子', 'ユミコ', 'YUMIKO'], ['久美子', 'クミコ', 'KUMIKO'],
      ['陽子', 'ヨウコ', 'YOKO'], ['麻衣', 'マイ', 'MAI'], ['舞', 'マイ', 'MAI'], ['千尋', 'チヒロ', 'CHIHIRO'],
    ],
    YOUNG: [
      ['陽葵', 'ヒマリ', 'HIMARI'], ['凛', 'リン', 'RIN'], ['結菜', 'ユイナ', 'YUINA'], ['芽依', 'メイ', 'MEI'],
      ['葵', 'アオイ', 'AOI'], ['結衣', 'ユイ', 'YUI'], ['さくら', 'サクラ', 'SAKURA'], ['美咲', 'ミサキ', 'MISAKI'],
      ['紬', 'ツムギ', 'TSUMUGI'], ['莉子', 'リコ', 'RIKO'], ['杏', 'アン', 'AN'], ['澪', 'ミオ', 'MIO'],
      ['ひなた', 'ヒナタ', 'HINATA'], ['心春', 'コハル', 'KOHARU'], ['花', 'ハナ', 'HANA'], ['詩', 'ウタ', 'UTA'],
    ],
  },
};

const GIVEN_POOLS: Record<Sex, Record<Cohort, WeightedPool<Entry>>> = {
  MALE: { OLD: rankWeighted(GIVEN.MALE.OLD, 0.4), MIDDLE: rankWeighted(GIVEN.MALE.MIDDLE, 0.4), YOUNG: rankWeighted(GIVEN.MALE.YOUNG, 0.4) },
  FEMALE: { OLD: rankWeighted(GIVEN.FEMALE.OLD, 0.4), MIDDLE: rankWeighted(GIVEN.FEMALE.MIDDLE, 0.4), YOUNG: rankWeighted(GIVEN.FEMALE.YOUNG, 0.4) },
};

function cohort(birthYear: number): Cohort {
  return birthYear < 1955 ? 'OLD' : birthYear < 1992 ? 'MIDDLE' : 'YOUNG';
}

export interface Surname {
  kanji: string;
  kana: string;
  romaji: string;
}

export function pickSurname(rng: SeededRandom): Surname {
  const [kanji, kana, romaji] = SURNAME_POOL.pick(rng);
  return { kanji, kana, romaji };
}

export function japaneseName(rng: SeededRandom, surname: Surname, sex: Sex, birthYear: number): PersonName {
  const [given, givenKana, givenRomaji] = GIVEN_POOLS[sex][cohort(birthYear)].pick(rng);
  return {
    family: surname.kanji,
    given,
    familyKana: surname.kana,
    givenKana,
    familyRomaji: surname.romaji,
    givenRomaji,
    script: 'KANJI',
  };
}

/** Only the given name, e.g. for a 筆頭者 who is not in the household. */
export function japaneseGivenName(rng: SeededRandom, sex: Sex, birthYear: number): string {
  return GIVEN_POOLS[sex][cohort(birthYear)].pick(rng)[0];
}

// ---------------------------------------------------------------------------------------------
// Foreign residents. Groups share a naming style; each nationality picks one group.

export interface NameGroup {
  script: NameScript;
  surnames: readonly Entry[];
  given: Record<Sex, readonly Entry[]>;
}

const CHINESE: NameGroup = {
  script: 'KANJI',
  surnames: [
    ['王', 'ワン', 'WANG'], ['李', 'リ', 'LI'], ['張', 'チャン', 'ZHANG'], ['劉', 'リュウ', 'LIU'], ['陳', 'チェン', 'CHEN'],
    ['楊', 'ヤン', 'YANG'], ['趙', 'チャオ', 'ZHAO'], ['黄', 'ホアン', 'HUANG'], ['周', 'ジョウ', 'ZHOU'], ['呉', 'ウー', 'WU'],
    ['林', 'リン', 'LIN'], ['孫', 'スン', 'SUN'],
  ],
  given: {
    MALE: [['偉', 'ウェイ', 'WEI'], ['強', 'チアン', 'QIANG'], ['磊', 'レイ', 'LEI'], ['軍', 'ジュン', 'JUN'], ['傑', 'ジエ', 'JIE'], ['濤', 'タオ', 'TAO'], ['明', 'ミン', 'MING'], ['浩然', 'ハオラン', 'HAORAN']],
    FEMALE: [['芳', 'ファン', 'FANG'], ['娜', 'ナー', 'NA'], ['敏', 'ミン', 'MIN'], ['静', 'ジン', 'JING'], ['麗', 'リー', 'LI'], ['艶', 'イエン', 'YAN'], ['秀英', 'シウイン', 'XIUYING'], ['雪', 'シュエ', 'XUE']],
  },
};

const KOREAN: NameGroup = {
  script: 'KANJI',
  surnames: [
    ['金', 'キム', 'KIM'], ['李', 'イ', 'LEE'], ['朴', 'パク', 'PARK'], ['崔', 'チェ', 'CHOI'], ['鄭', 'チョン', 'JEONG'],
    ['姜', 'カン', 'KANG'], ['趙', 'チョ', 'CHO'], ['尹', 'ユン', 'YOON'], ['張', 'チャン', 'JANG'], ['林', 'イム', 'LIM'],
  ],
  given: {
    MALE: [['民俊', 'ミンジュン', 'MINJUN'], ['志勲', 'ジフン', 'JIHOON'], ['英哲', 'ヨンチョル', 'YOUNGCHUL'], ['正浩', 'ジョンホ', 'JUNGHO'], ['成民', 'ソンミン', 'SUNGMIN'], ['東賢', 'ドンヒョン', 'DONGHYUN']],
    FEMALE: [['瑞妍', 'ソヨン', 'SEOYEON'], ['秀彬', 'スビン', 'SUBIN'], ['美英', 'ミヨン', 'MIYOUNG'], ['恩恵', 'ウネ', 'EUNHYE'], ['智恩', 'ジウン', 'JIEUN'], ['順子', 'スンジャ', 'SOONJA']],
  },
};

const VIETNAMESE: NameGroup = {
  script: 'LATIN',
  surnames: [['NGUYEN', 'グエン', 'NGUYEN'], ['TRAN', 'チャン', 'TRAN'], ['LE', 'レ', 'LE'], ['PHAM', 'ファム', 'PHAM'], ['HOANG', 'ホアン', 'HOANG'], ['VU', 'ヴ', 'VU']],
  given: {
    MALE: [['VAN NAM', 'ヴァン　ナム', 'VAN NAM'], ['DUC ANH', 'ドゥック　アイン', 'DUC ANH'], ['MINH TUAN', 'ミン　トゥアン', 'MINH TUAN'], ['QUANG HUY', 'クアン　フイ', 'QUANG HUY']],
    FEMALE: [['THI LAN', 'ティ　ラン', 'THI LAN'], ['THI HOA', 'ティ　ホア', 'THI HOA'], ['NGOC ANH', 'ゴック　アイン', 'NGOC ANH'], ['THU TRANG', 'トゥー　チャン', 'THU TRANG']],
  },
};

const FILIPINO: NameGroup = {
  script: 'LATIN',
  surnames: [['SANTOS', 'サントス', 'SANTOS'], ['REYES', 'レイエス', 'REYES'], ['CRUZ', 'クルス', 'CRUZ'], ['GARCIA', 'ガルシア', 'GARCIA'], ['MENDOZA', 'メンドーサ', 'MENDOZA'], ['BAUTISTA', 'バウティスタ', 'BAUTISTA']],
  given: {
    MALE: [['JOHN PAUL', 'ジョン　ポール', 'JOHN PAUL'], ['MARK', 'マーク', 'MARK'], ['JOSE', 'ホセ', 'JOSE'], ['RAFAEL', 'ラファエル', 'RAFAEL']],
    FEMALE: [['MARIA CRISTINA', 'マリア　クリスティナ', 'MARIA CRISTINA'], ['ANGELICA', 'アンジェリカ', 'ANGELICA'], ['JOY', 'ジョイ', 'JOY'], ['ROSALIE', 'ロザリー', 'ROSALIE']],
  },
};

const NEPALI: NameGroup = {
  script: 'LATIN',
  surnames: [['SHRESTHA', 'シュレスタ', 'SHRESTHA'], ['GURUNG', 'グルン', 'GURUNG'], ['TAMANG', 'タマン', 'TAMANG'], ['RAI', 'ライ', 'RAI'], ['THAPA', 'タパ', 'THAPA']],
  given: {
    MALE: [['RAM', 'ラム', 'RAM'], ['BIKASH', 'ビカシュ', 'BIKASH'], ['SURESH', 'スレシュ', 'SURESH'], ['ANIL', 'アニル', 'ANIL']],
    FEMALE: [['SITA', 'シタ', 'SITA'], ['ANITA', 'アニタ', 'ANITA'], ['SABINA', 'サビナ', 'SABINA'], ['PUJA', 'プジャ', 'PUJA']],
  },
};

const INDIAN: NameGroup = {
  script: 'LATIN',
  surnames: [['SHARMA', 'シャルマ', 'SHARMA'], ['PATEL', 'パテル', 'PATEL'], ['SINGH', 'シン', 'SINGH'], ['KUMAR', 'クマール', 'KUMAR'], ['IYER', 'アイヤー', 'IYER']],
  given: {
    MALE: [['RAHUL', 'ラフル', 'RAHUL'], ['AMIT', 'アミット', 'AMIT'], ['VIKRAM', 'ヴィクラム', 'VIKRAM'], ['ARJUN', 'アルジュン', 'ARJUN']],
    FEMALE: [['PRIYA', 'プリヤ', 'PRIYA'], ['NEHA', 'ネハ', 'NEHA'], ['ANJALI', 'アンジャリ', 'ANJALI'], ['DIVYA', 'ディヴィヤ', 'DIVYA']],
  },
};

const WESTERN: NameGroup = {
  script: 'LATIN',
  surnames: [
    ['SMITH', 'スミス', 'SMITH'], ['JOHNSON', 'ジョンソン', 'JOHNSON'], ['BROWN', 'ブラウン', 'BROWN'], ['MARTIN', 'マルタン', 'MARTIN'],
    ['MUELLER', 'ミュラー', 'MUELLER'], ['WILSON', 'ウィルソン', 'WILSON'], ['TAYLOR', 'テイラー', 'TAYLOR'], ['DUBOIS', 'デュボワ', 'DUBOIS'],
  ],
  given: {
    MALE: [['JOHN', 'ジョン', 'JOHN'], ['MICHAEL', 'マイケル', 'MICHAEL'], ['DAVID', 'デイビッド', 'DAVID'], ['THOMAS', 'トーマス', 'THOMAS'], ['LUKAS', 'ルーカス', 'LUKAS']],
    FEMALE: [['EMILY', 'エミリー', 'EMILY'], ['SOPHIE', 'ソフィー', 'SOPHIE'], ['CLAIRE', 'クレール', 'CLAIRE'], ['SARAH', 'サラ', 'SARAH'], ['ANNA', 'アンナ', 'ANNA']],
  },
};

const BRAZILIAN: NameGroup = {
  script: 'LATIN',
  surnames: [['SILVA', 'シルバ', 'SILVA'], ['OLIVEIRA', 'オリベイラ', 'OLIVEIRA'], ['SOUZA', 'ソウザ', 'SOUZA'], ['SANTOS', 'サントス', 'SANTOS'], ['PEREIRA', 'ペレイラ', 'PEREIRA']],
  given: {
    MALE: [['LUCAS', 'ルーカス', 'LUCAS'], ['GABRIEL', 'ガブリエル', 'GABRIEL'], ['RAFAEL', 'ハファエル', 'RAFAEL'], ['MATEUS', 'マテウス', 'MATEUS']],
    FEMALE: [['ANA', 'アナ', 'ANA'], ['JULIANA', 'ジュリアナ', 'JULIANA'], ['BEATRIZ', 'ベアトリス', 'BEATRIZ'], ['LARISSA', 'ラリッサ', 'LARISSA']],
  },
};

export interface Nationality {
  /** 国籍・地域 as the register writes it. */
  name: string;
  names: NameGroup;
  /** Share of the ward's foreign residents (roughly Tokyo's mix). */
  weight: number;
  /** Can hold 特別永住者 status (descendants of pre-war residents from the former colonies). */
  specialPermanent: boolean;
}

export const NATIONALITIES: readonly Nationality[] = [
  { name: '中国', names: CHINESE, weight: 35, specialPermanent: true },
  { name: '韓国', names: KOREAN, weight: 18, specialPermanent: true },
  { name: '朝鮮', names: KOREAN, weight: 1, specialPermanent: true },
  { name: '台湾', names: CHINESE, weight: 5, specialPermanent: true },
  { name: 'ベトナム', names: VIETNAMESE, weight: 8, specialPermanent: false },
  { name: 'フィリピン', names: FILIPINO, weight: 6, specialPermanent: false },
  { name: 'ネパール', names: NEPALI, weight: 5, specialPermanent: false },
  { name: 'インド', names: INDIAN, weight: 3, specialPermanent: false },
  { name: '米国', names: WESTERN, weight: 7, specialPermanent: false },
  { name: '英国', names: WESTERN, weight: 3, specialPermanent: false },
  { name: 'フランス', names: WESTERN, weight: 3, specialPermanent: false },
  { name: 'ドイツ', names: WESTERN, weight: 2, specialPermanent: false },
  { name: 'ブラジル', names: BRAZILIAN, weight: 2, specialPermanent: false },
];

export const NATIONALITY_POOL = new WeightedPool(NATIONALITIES.map((n) => [n, n.weight] as const));
export const SPECIAL_PERMANENT_NATIONALITY_POOL = new WeightedPool(
  NATIONALITIES.filter((n) => n.specialPermanent).map((n) => [n, n.name === '韓国' ? 60 : n.name === '朝鮮' ? 15 : 10] as const),
);

export function foreignSurname(rng: SeededRandom, group: NameGroup): Surname {
  const [kanji, kana, romaji] = rng.pick(group.surnames);
  return { kanji, kana, romaji };
}

export function foreignName(rng: SeededRandom, group: NameGroup, surname: Surname, sex: Sex): PersonName {
  const [given, givenKana, givenRomaji] = rng.pick(group.given[sex]);
  return {
    family: surname.kanji,
    given,
    familyKana: surname.kana,
    givenKana,
    familyRomaji: surname.romaji,
    givenRomaji,
    script: group.script,
  };
}

/** A Japanese-style 通称, as many special permanent residents use in daily life. */
export function aliasName(rng: SeededRandom, sex: Sex, birthYear: number): { kanji: string; kana: string } {
  const surname = pickSurname(rng);
  const [given, givenKana] = GIVEN_POOLS[sex][cohort(birthYear)].pick(rng);
  return { kanji: `${surname.kanji}\u3000${given}`, kana: `${surname.kana}\u3000${givenKana}` };
}

// ---------------------------------------------------------------------------------------------
// 外字. A private-use code point stands for a character in the ward's own gaiji font; the
// J+XXXX form is how files carry a 住基ネット統一文字 that has no standard code.

const INLINE_CODES = ['J+6F22', 'J+8FBB', 'J+9AD9', 'J+5D0E', 'J+90BA', 'J+7E6B'] as const;

/**
 * Replaces one kanji of `text` with a gaiji: a private-use character (U+E000–U+E0FF) most of
 * the time, else the inline J+ form. Text without kanji is returned unchanged.
 */
export function withGaiji(rng: SeededRandom, text: string): string {
  const chars = [...text];
  const kanjiAt = chars.map((c, i) => (/\p{Script=Han}/u.test(c) ? i : -1)).filter((i) => i >= 0);
  if (kanjiAt.length === 0) return text;
  const at = rng.pick(kanjiAt);
  chars[at] = rng.chance(0.8) ? String.fromCharCode(0xe000 + rng.int(0, 0xff)) : rng.pick(INLINE_CODES);
  return chars.join('');
}
