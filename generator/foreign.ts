import type { SeededRandom } from '../lib/random';
import type { ForeignCategory, ForeignResidency, IsoDate } from '../lib/synthetic/model';
import { addDays, dayNumber, maxDate, REFERENCE_DATE } from './dates';
import { residenceCardNumber } from './identifiers';
import { FOREIGN_REGISTER_START } from '../lib/synthetic/reference-data';
import { WeightedPool } from './sampling';

/**
 * 外国人住民の記載事項 (住基法第30条の45): category, 在留資格, period and its expiry, card
 * numbers. Periods are written as the register prints them, with full-width digits.
 */

interface StatusEntry {
  status: string;
  /** Periods the status is granted for; empty = no period (永住者). */
  periods: readonly string[];
  /** Statuses whose holders can bring their family under 家族滞在. */
  sponsorsFamily: boolean;
}

const WORKING_STATUSES = new WeightedPool<StatusEntry>([
  [{ status: '永住者', periods: [], sponsorsFamily: false }, 30],
  [{ status: '技術・人文知識・国際業務', periods: ['５年', '３年', '１年'], sponsorsFamily: true }, 25],
  [{ status: '留学', periods: ['４年３月', '２年３月', '１年３月'], sponsorsFamily: false }, 12],
  [{ status: '日本人の配偶者等', periods: ['３年', '１年'], sponsorsFamily: false }, 6],
  [{ status: '経営・管理', periods: ['３年', '１年'], sponsorsFamily: true }, 5],
  [{ status: '定住者', periods: ['５年', '３年'], sponsorsFamily: false }, 5],
  [{ status: '高度専門職１号ロ', periods: ['５年'], sponsorsFamily: true }, 4],
  [{ status: '特定技能１号', periods: ['１年', '６月'], sponsorsFamily: false }, 4],
  [{ status: '技能', periods: ['３年', '１年'], sponsorsFamily: true }, 3],
  [{ status: '企業内転勤', periods: ['３年', '１年'], sponsorsFamily: true }, 2],
  [{ status: '教授', periods: ['５年'], sponsorsFamily: true }, 1],
]);

const FAMILY_STAY: StatusEntry = { status: '家族滞在', periods: ['５年', '３年', '１年'], sponsorsFamily: false };
const PERMANENT: StatusEntry = { status: '永住者', periods: [], sponsorsFamily: false };
const SPOUSE_OF_JAPANESE: StatusEntry = { status: '日本人の配偶者等', periods: ['３年', '１年'], sponsorsFamily: false };

/** Full-width '４年３月' → days, to place the expiry inside the granted period. */
function periodDays(period: string): number {
  const ascii = period.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xff10 + 0x30));
  const years = /(\d+)年/.exec(ascii);
  const months = /(\d+)月/.exec(ascii);
  return (years ? Number(years[1]) * 365 : 0) + (months ? Number(months[1]) * 30 : 0);
}

/** What a household's foreign members hold: chosen once for the household's main earner. */
export interface ForeignHouseholdPlan {
  category: ForeignCategory;
  nationality: string;
  headStatus: StatusEntry | null;
}

export function planForeignHousehold(rng: SeededRandom, nationality: string, specialPermanent: boolean, singlePerson: boolean): ForeignHouseholdPlan {
  if (specialPermanent) return { category: 'SPECIAL_PERMANENT', nationality, headStatus: null };
  // 一時庇護 and 仮滞在 are granted to individuals, rarely: single-person households only.
  if (singlePerson && rng.chance(0.01)) {
    return { category: rng.chance(0.5) ? 'TEMPORARY_REFUGE' : 'PROVISIONAL_STAY', nationality, headStatus: null };
  }
  return { category: 'MID_TO_LONG_TERM', nationality, headStatus: WORKING_STATUSES.pick(rng) };
}

export interface ForeignMemberInput {
  plan: ForeignHouseholdPlan;
  /** The head (main earner) gets the plan's status; others derive theirs from it. */
  isHead: boolean;
  /** Married to a Japanese head (mixed household). */
  spouseOfJapanese: boolean;
  birthDay: IsoDate;
  /** The day the person became a resident of the ward (or of Japan's register). */
  enteredOn: IsoDate;
}

export function foreignResidency(rng: SeededRandom, input: ForeignMemberInput): ForeignResidency {
  const { plan } = input;
  const becameForeignResidentOn = maxDate(input.enteredOn, FOREIGN_REGISTER_START);
  const base = {
    nationality: plan.nationality,
    becameForeignResidentOn,
    residenceStatus: null,
    periodOfStay: null,
    periodExpiresOn: null,
    residenceCardNumber: null,
    specialPermanentCertificateNumber: null,
  };
  if (plan.category === 'SPECIAL_PERMANENT') {
    return { ...base, category: 'SPECIAL_PERMANENT', specialPermanentCertificateNumber: residenceCardNumber(rng) };
  }
  if (plan.category === 'TEMPORARY_REFUGE' || plan.category === 'PROVISIONAL_STAY') {
    return { ...base, category: plan.category, periodOfStay: '６月', periodExpiresOn: addDays(REFERENCE_DATE, rng.int(10, 180)) };
  }
  // A baby born here has 60 days to obtain a status (出生による経過滞在).
  const ageDays = daysBetween(input.birthDay, REFERENCE_DATE);
  if (ageDays < 60) {
    return { ...base, category: 'TRANSITIONAL_STAY', periodExpiresOn: addDays(input.birthDay, 60) };
  }
  let status: StatusEntry;
  if (input.spouseOfJapanese) status = rng.chance(0.6) ? SPOUSE_OF_JAPANESE : PERMANENT;
  else if (input.isHead || plan.headStatus === null) status = plan.headStatus ?? WORKING_STATUSES.pick(rng);
  else if (plan.headStatus.status === '永住者') status = rng.chance(0.7) ? PERMANENT : FAMILY_STAY;
  else if (plan.headStatus.sponsorsFamily) status = FAMILY_STAY;
  else status = plan.headStatus;

  let periodOfStay: string | null = null;
  let periodExpiresOn: IsoDate | null = null;
  if (status.periods.length > 0) {
    periodOfStay = rng.pick(status.periods);
    // A few wait for a renewal decision past their expiry (特例期間): they stay on the register.
    periodExpiresOn = rng.chance(0.005)
      ? addDays(REFERENCE_DATE, -rng.int(1, 60))
      : addDays(REFERENCE_DATE, rng.int(1, periodDays(periodOfStay)));
  }
  return {
    ...base,
    category: 'MID_TO_LONG_TERM',
    residenceStatus: status.status,
    periodOfStay,
    periodExpiresOn,
    residenceCardNumber: residenceCardNumber(rng),
  };
}

function daysBetween(from: IsoDate, to: IsoDate): number {
  return dayNumber(to) - dayNumber(from);
}
