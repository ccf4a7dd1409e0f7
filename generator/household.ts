import type { SeededRandom } from '../lib/random';
import type {
  Address,
  FamilyRegister,
  FormerSurname,
  Household,
  IsoDate,
  Movement,
  Person,
  PersonName,
  RecordedDate,
  Removal,
  RemovalReason,
  SupportMeasure,
  SupportMeasureKind,
} from '../lib/synthetic/model';
import { addressWithBuilding, fullName } from '../lib/synthetic/model';
import { addDays, addYears, ageOn, maxDate, maxDateTime, minDate, officeTime, randomDay, REFERENCE_DATE } from './dates';
import { composeHousehold, type MemberSpec } from './composition';
import { randomAbroad, randomDomicile, randomElsewhere, randomWardAddress } from './addresses';
import {
  NATIONALITY_POOL,
  SPECIAL_PERMANENT_NATIONALITY_POOL,
  aliasName,
  foreignName,
  foreignSurname,
  japaneseGivenName,
  japaneseName,
  pickSurname,
  withGaiji,
  type Nationality,
  type Surname,
} from './names';
import { foreignResidency, planForeignHousehold, type ForeignHouseholdPlan } from './foreign';
import type { IdentifierSequences } from './identifiers';
import {
  cardFor,
  certificatesFor,
  earliestSupportStart,
  identityFor,
  individualNumberFor,
  linkageFor,
  planSupport,
  sealsFor,
  supportMeasuresFor,
  type LifeLine,
  type StaffIds,
  type SupportPlan,
} from './records';
import { FOREIGN_REGISTER_START } from '../lib/synthetic/reference-data';
import { supportInForce } from '../lib/synthetic/model';

/**
 * One household from composition to every record its members leave in the four systems.
 * The order of random draws is part of the output: change it and every later household
 * changes too (for one seed), which is fine between versions but never within one.
 */

export interface BuildContext {
  seq: IdentifierSequences;
  staff: StaffIds;
}

/** Rates of the world; exported so the tests can state what they expect. */
export const RATES = {
  foreignHousehold: 0.03,
  specialPermanentShare: 0.12,
  foreignSpouse: 0.02,
  wholeHouseholdMovedOut: 0.055,
  singleErased: 0.006,
  surnameGaiji: 0.0035,
  givenNameGaiji: 0.0015,
  formerSurname: 0.1,
  halfWidthKanaOfOldRecords: 0.3,
  /** Per eligible person (Japanese, born 1960 or earlier), for each of the five odd forms. */
  oddBirthDate: 1 / 15000,
  taisho15: 1 / 1500,
  meiji45: 1 / 2000,
  supportSingleWoman: 0.006,
  supportSingleParent: 0.05,
  cardLiving: 0.72,
  cardRemoved: 0.5,
  linkage: 0.96,
  noAutoResponseOther: 0.001,
} as const;

type EntryKind = 'FOUNDER' | 'BIRTH' | 'JOINED';

interface Draft {
  spec: MemberSpec;
  birthDay: IsoDate;
  recordedBirth: RecordedDate;
  name: PersonName;
  formerSurname: FormerSurname | null;
  foreignPlan: ForeignHouseholdPlan | null;
  spouseOfJapanese: boolean;
  entryKind: EntryKind;
  enteredOn: IsoDate;
  previousAddress: string | null;
  removal: Removal | null;
  familyRegister: FamilyRegister | null;
}

const ADULT_NON_CHILD = (spec: MemberSpec): boolean => spec.relationship !== 'CHILD' && spec.relationship !== 'GRANDCHILD';
const SPOUSES = new Set(['WIFE', 'HUSBAND', 'COMMON_LAW_WIFE']);

function birthForAge(rng: SeededRandom, age: number): IsoDate {
  return randomDay(rng, addDays(addYears(REFERENCE_DATE, -(age + 1)), 1), addYears(REFERENCE_DATE, -age));
}

/** Years ago, exponentially distributed: people move a lot, so most arrivals are recent. */
function yearsAgo(rng: SeededRandom, mean: number): number {
  return -Math.log(1 - rng.next()) * mean;
}

export function buildHousehold(ctx: BuildContext, rng: SeededRandom, maxMembers: number): Household {
  const { type, members: specs } = composeHousehold(rng, maxMembers);

  // --- Nationality -----------------------------------------------------------------------
  let nationality: Nationality | null = null;
  let plan: ForeignHouseholdPlan | null = null;
  if (rng.chance(RATES.foreignHousehold)) {
    const specialPermanent = rng.chance(RATES.specialPermanentShare);
    nationality = (specialPermanent ? SPECIAL_PERMANENT_NATIONALITY_POOL : NATIONALITY_POOL).pick(rng);
    plan = planForeignHousehold(rng, nationality.name, specialPermanent, specs.length === 1);
  }
  const spouseIndex = specs.findIndex((s) => SPOUSES.has(s.relationship));
  let spousePlan: ForeignHouseholdPlan | null = null;
  let spouseNationality: Nationality | null = null;
  if (!plan && spouseIndex > 0 && rng.chance(RATES.foreignSpouse)) {
    spouseNationality = NATIONALITY_POOL.pick(rng);
    spousePlan = planForeignHousehold(rng, spouseNationality.name, false, false);
  }

  // --- Names and births ------------------------------------------------------------------
  const householdSurname: Surname = nationality ? foreignSurname(rng, nationality.names) : pickSurname(rng);
  if (!nationality && rng.chance(RATES.surnameGaiji)) householdSurname.kanji = withGaiji(rng, householdSurname.kanji);

  const drafts: Draft[] = specs.map((spec, i) => {
    const birthDay = birthForAge(rng, spec.age);
    const birthYear = Number(birthDay.slice(0, 4));
    const foreignSpouse = i === spouseIndex && spousePlan !== null;
    const memberNationality = foreignSpouse ? spouseNationality : nationality;
    let name: PersonName;
    if (memberNationality) {
      const surname = spec.surname === 'HOUSEHOLD' && !foreignSpouse ? householdSurname : foreignSurname(rng, memberNationality.names);
      name = foreignName(rng, memberNationality.names, surname, spec.sex);
    } else {
      const surname = spec.surname === 'HOUSEHOLD' ? householdSurname : pickSurname(rng);
      name = japaneseName(rng, surname, spec.sex, birthYear);
      if (rng.chance(RATES.givenNameGaiji)) name = { ...name, given: withGaiji(rng, name.given) };
    }
    let formerSurname: FormerSurname | null = null;
    const marriedIn = spec.relationship === 'WIFE' || spec.relationship === 'CHILDS_WIFE' || spec.relationship === 'HUSBAND';
    if (!memberNationality && marriedIn && spec.age >= 25 && rng.chance(RATES.formerSurname)) {
      let maiden = pickSurname(rng);
      if (maiden.kanji === name.family) maiden = pickSurname(rng);
      if (maiden.kanji !== name.family) formerSurname = { kanji: maiden.kanji, kana: maiden.kana };
    }
    return {
      spec,
      birthDay,
      recordedBirth: { value: birthDay, approximate: false },
      name,
      formerSurname,
      foreignPlan: foreignSpouse ? spousePlan : plan,
      spouseOfJapanese: foreignSpouse,
      entryKind: 'FOUNDER',
      enteredOn: REFERENCE_DATE,
      previousAddress: null,
      removal: null,
      familyRegister: null,
    };
  });

  // --- Arrival and who joined later --------------------------------------------------------
  const youngestAdultBirth = drafts.filter((d) => ADULT_NON_CHILD(d.spec)).reduce((max, d) => maxDate(max, d.birthDay), '0000-01-01');
  const earliestArrival = maxDate('1950-01-01', addYears(youngestAdultBirth, 18));
  const meanYears = plan?.category === 'SPECIAL_PERMANENT' ? 30 : plan ? 5 : 10;
  let arrival = addDays(REFERENCE_DATE, -Math.round(yearsAgo(rng, meanYears) * 365.25) - 1);
  arrival = minDate(maxDate(arrival, earliestArrival), addDays(REFERENCE_DATE, -1));
  const abroadShare = plan && plan.category !== 'SPECIAL_PERMANENT' ? 0.5 : 0.05;
  const householdFrom = rng.chance(abroadShare) ? randomAbroad(rng) : randomElsewhere(rng);

  const firstGrandchildBirth = drafts
    .filter((d) => d.spec.relationship === 'GRANDCHILD' && d.birthDay > arrival)
    .reduce((min, d) => minDate(min, d.birthDay), REFERENCE_DATE);
  for (const draft of drafts) {
    const rel = draft.spec.relationship;
    if (draft.birthDay > arrival) {
      draft.entryKind = 'BIRTH';
      draft.enteredOn = draft.birthDay;
      continue;
    }
    const joinChance =
      rel === 'CHILDS_WIFE' ? 0.9 : rel === 'FATHER' || rel === 'MOTHER' || rel === 'WIFES_MOTHER' ? 0.6 : rel === 'LODGER' || rel.startsWith('YOUNGER_') ? 0.5 : SPOUSES.has(rel) ? 0.2 : 0;
    const joinFrom = maxDate(addDays(arrival, 30), addYears(draft.birthDay, 18));
    const joinTo = addDays(rel === 'CHILDS_WIFE' ? firstGrandchildBirth : REFERENCE_DATE, -1);
    if (joinChance > 0 && joinFrom < joinTo && rng.chance(joinChance)) {
      draft.entryKind = 'JOINED';
      draft.enteredOn = randomDay(rng, joinFrom, joinTo);
      draft.previousAddress = randomElsewhere(rng);
    } else {
      draft.entryKind = 'FOUNDER';
      draft.enteredOn = arrival;
      draft.previousAddress = householdFrom;
    }
  }
  // Foreign residents entered the register when the law brought them onto it (2012-07-09).
  for (const draft of drafts) {
    if (draft.foreignPlan && draft.enteredOn < FOREIGN_REGISTER_START) {
      draft.enteredOn = FOREIGN_REGISTER_START;
      draft.previousAddress = null;
    }
  }

  // --- Moves within the ward ---------------------------------------------------------------
  const moveCount = rng.weighted<number>([[0, 65], [1, 25], [2, 10]]);
  const moveDates: IsoDate[] = [];
  for (let i = 0; i < moveCount && addDays(arrival, 60) < addDays(REFERENCE_DATE, -1); i++) {
    moveDates.push(randomDay(rng, addDays(arrival, 60), addDays(REFERENCE_DATE, -1)));
  }
  moveDates.sort();
  const addresses: Address[] = [randomWardAddress(rng)];
  for (let i = 0; i < moveDates.length; i++) addresses.push(randomWardAddress(rng));
  const householdChangeOn = rng.chance(0.03) && addDays(arrival, 60) < REFERENCE_DATE ? randomDay(rng, addDays(arrival, 60), addDays(REFERENCE_DATE, -1)) : null;

  // --- Removals ----------------------------------------------------------------------------
  const lastEntry = drafts.reduce((max, d) => maxDate(max, d.enteredOn), '0000-01-01');
  const latestPossible = addDays(REFERENCE_DATE, -1);
  const removeAll = (reason: RemovalReason, on: IsoDate, destination: string | null): void => {
    for (const draft of drafts) draft.removal = removal(rng, reason, on, destination, draft.enteredOn);
  };
  const headAge = specs[0].age;
  if (rng.chance(RATES.wholeHouseholdMovedOut) && addDays(lastEntry, 30) < latestPossible) {
    const destination = rng.chance(plan ? 0.4 : 0.1) ? randomAbroad(rng) : randomElsewhere(rng);
    removeAll('MOVED_OUT', randomDay(rng, addDays(lastEntry, 30), latestPossible), destination);
  } else if (type === 'SINGLE' && rng.chance(RATES.singleErased) && addDays(lastEntry, 180) < latestPossible) {
    removeAll('ERASED', randomDay(rng, addDays(lastEntry, 180), latestPossible), null);
  } else if (type === 'SINGLE' && headAge >= 70 && rng.chance(0.08 + (headAge - 70) * 0.01) && addDays(lastEntry, 30) < latestPossible) {
    removeAll('DECEASED', randomDay(rng, addDays(lastEntry, 30), latestPossible), null);
  } else {
    drafts.forEach((draft, i) => {
      if (i === 0) return; // the head of a living household is living
      const { relationship, age } = draft.spec;
      const from = addDays(draft.enteredOn, 30);
      if (from >= latestPossible) return;
      if ((relationship === 'FATHER' || relationship === 'MOTHER' || relationship === 'WIFES_MOTHER') && age >= 75 && rng.chance(0.35)) {
        draft.removal = removal(rng, 'DECEASED', randomDay(rng, from, latestPossible), null, draft.enteredOn);
      } else if (type === 'COUPLE' && SPOUSES.has(relationship) && age >= 72 && headAge >= 72 && rng.chance(0.12)) {
        draft.removal = removal(rng, 'DECEASED', randomDay(rng, from, latestPossible), null, draft.enteredOn);
      } else if (relationship === 'CHILD' && age >= 22 && (type === 'COUPLE_WITH_CHILDREN' || type === 'SINGLE_PARENT') && rng.chance(0.2)) {
        const leaveFrom = maxDate(from, addYears(draft.birthDay, 18));
        if (leaveFrom < latestPossible) draft.removal = removal(rng, 'MOVED_OUT', randomDay(rng, leaveFrom, latestPossible), randomElsewhere(rng), draft.enteredOn);
      } else if (relationship === 'LODGER' && rng.chance(0.2)) {
        draft.removal = removal(rng, 'MOVED_OUT', randomDay(rng, from, latestPossible), randomElsewhere(rng), draft.enteredOn);
      }
    });
  }

  // --- Odd dates, planted -----------------------------------------------------------------
  for (const draft of drafts) plantOddBirth(rng, draft, type);

  // --- Family register (本籍・筆頭者) ------------------------------------------------------
  assignFamilyRegisters(rng, drafts);

  // --- Support measures --------------------------------------------------------------------
  let support: SupportPlan | null = null;
  const living = drafts.every((d) => d.removal === null);
  if (living) {
    const head = drafts[0];
    const latest = drafts.reduce((max, d) => maxDate(max, d.enteredOn), '0000-01-01');
    const perpetrator = (): string => {
      const surname = pickSurname(rng);
      return `${surname.kanji}\u3000${japaneseGivenName(rng, 'MALE', 1975)}`;
    };
    if (type === 'SINGLE' && head.spec.sex === 'FEMALE' && head.spec.age < 65 && rng.chance(RATES.supportSingleWoman)) {
      const kind = rng.weighted<SupportMeasureKind>([['DOMESTIC_VIOLENCE', 60], ['STALKING', 30], ['OTHER', 10]]);
      support = planSupport(rng, kind, latest, perpetrator());
    } else if (type === 'SINGLE_PARENT' && rng.chance(RATES.supportSingleParent)) {
      const kind = rng.weighted<SupportMeasureKind>([['DOMESTIC_VIOLENCE', 75], ['CHILD_ABUSE', 25]]);
      support = planSupport(rng, kind, latest, perpetrator());
    }
  }

  // --- Identifiers and records ---------------------------------------------------------------
  const householdNumber = ctx.seq.householdNumber();
  const persons: Person[] = drafts.map((draft, index) =>
    finishPerson(ctx, rng, draft, index, householdNumber, moveDates, addresses, householdChangeOn, support),
  );
  const updatedAt = persons.reduce((max, p) => maxDateTime(max, p.updatedAt), '0000-01-01T00:00:00');
  return {
    householdNumber,
    headAddressNumber: persons[0].addressNumber,
    formedOn: arrival,
    members: persons,
    updatedAt,
  };
}

function removal(rng: SeededRandom, reason: RemovalReason, occurredOn: IsoDate, destination: string | null, enteredOn: IsoDate): Removal {
  let notifiedOn: IsoDate;
  if (reason === 'MOVED_OUT') notifiedOn = maxDate(addDays(occurredOn, -rng.int(0, 14)), enteredOn); // 転出届 comes before the move
  else if (reason === 'DECEASED') notifiedOn = minDate(addDays(occurredOn, rng.int(0, 6)), REFERENCE_DATE);
  else notifiedOn = occurredOn; // 職権消除: the ward's own decision
  return { reason, occurredOn, notifiedOn, destination: reason === 'MOVED_OUT' ? destination : null };
}

/**
 * The odd dates a real register carries, a handful per million, all in old records:
 * 明治45年7月30日 (the last day of 明治 and the first of 大正), 大正15年12月25日 (likewise into
 * 昭和), a 29 Feb of a common year, day or month unknown, fully unknown, and 頃.
 */
function plantOddBirth(rng: SeededRandom, draft: Draft, type: string): void {
  const { spec } = draft;
  if (draft.foreignPlan) {
    if (rng.chance(RATES.oddBirthDate * 2)) {
      draft.recordedBirth = rng.chance(0.5) ? { value: null, approximate: false } : { value: draft.birthDay.slice(0, 7), approximate: false };
    }
    return;
  }
  if (draft.removal?.reason === 'DECEASED' && spec.age >= 70 && rng.chance(RATES.meiji45)) {
    draft.recordedBirth = { value: '1912-07-30', approximate: false, era: 'MEIJI' };
    return;
  }
  const elderOwnRecord = (type === 'SINGLE' && spec.relationship === 'HEAD') || ['FATHER', 'MOTHER', 'WIFES_MOTHER'].includes(spec.relationship);
  if (spec.age >= 85 && elderOwnRecord && rng.chance(RATES.taisho15)) {
    draft.recordedBirth = { value: '1926-12-25', approximate: false, era: 'TAISHO' };
    return;
  }
  const year = Number(draft.birthDay.slice(0, 4));
  if (year > 1960) return;
  const roll = rng.next() / RATES.oddBirthDate;
  if (roll >= 5) return;
  const month = draft.birthDay.slice(0, 7);
  switch (Math.floor(roll)) {
    case 0: {
      // A day the calendar lacks, copied from a paper record: 29 Feb of a common year.
      const common = year % 4 === 0 ? year - 1 : year;
      draft.recordedBirth = { value: `${common}-02-29`, approximate: false };
      break;
    }
    case 1:
      draft.recordedBirth = { value: month, approximate: false };
      break;
    case 2:
      draft.recordedBirth = { value: String(year), approximate: false };
      break;
    case 3:
      draft.recordedBirth = { value: null, approximate: false };
      break;
    default:
      draft.recordedBirth = { value: String(year), approximate: true };
  }
}

function assignFamilyRegisters(rng: SeededRandom, drafts: Draft[]): void {
  const head = drafts[0];
  const householdDomicile = randomDomicile(rng);
  const husband = drafts.find((d) => d.spec.relationship === 'HUSBAND');
  const wife = drafts.find((d) => d.spec.relationship === 'WIFE');
  // A married couple's register is headed by the husband (as most are); a woman heading a
  // household without a husband heads her own; a common-law wife keeps hers.
  const coupleHead = husband ?? (wife ? head : head.spec.sex === 'FEMALE' ? head : null);
  const parentsName = (d: Draft): string => `${d.name.family}\u3000${japaneseGivenName(rng, 'MALE', Number(d.birthDay.slice(0, 4)) - 28)}`;
  const son = drafts.find((d) => d.spec.relationship === 'CHILD' && drafts.some((x) => x.spec.relationship === 'CHILDS_WIFE'));
  const sonRegister = son ? { domicile: rng.chance(0.5) ? householdDomicile : randomDomicile(rng), headName: fullName(son.name) } : null;
  const father = drafts.find((d) => d.spec.relationship === 'FATHER');
  const elderRegister = { domicile: householdDomicile, headName: father ? fullName(father.name) : parentsName(head) };
  const siblingsRegister = { domicile: householdDomicile, headName: parentsName(head) };

  for (const d of drafts) {
    if (d.foreignPlan) continue;
    const rel = d.spec.relationship;
    let register: FamilyRegister;
    if (rel === 'CHILDS_WIFE' || rel === 'GRANDCHILD' || d === son) register = sonRegister ?? { domicile: householdDomicile, headName: fullName(d.name) };
    else if (rel === 'FATHER' || rel === 'MOTHER') register = elderRegister;
    else if (rel === 'WIFES_MOTHER' || rel === 'LODGER' || rel === 'COMMON_LAW_WIFE') {
      register = { domicile: randomDomicile(rng), headName: d.spec.age >= 30 || rel === 'WIFES_MOTHER' ? fullName(d.name) : parentsName(d) };
    } else if (rel === 'YOUNGER_BROTHER' || rel === 'YOUNGER_SISTER') register = siblingsRegister;
    else if (coupleHead && !coupleHead.foreignPlan && (d === coupleHead || SPOUSES.has(rel) || rel === 'CHILD' || rel === 'HEAD')) {
      register = { domicile: householdDomicile, headName: fullName(coupleHead.name) };
    } else if (rel === 'HEAD' && d.spec.age < 30) register = siblingsRegister;
    else register = { domicile: householdDomicile, headName: fullName(head.foreignPlan ? d.name : head.name) };
    d.familyRegister = register;
  }
}

function addressIndexAt(moveDates: readonly IsoDate[], day: IsoDate, inclusive: boolean): number {
  let n = 0;
  for (const d of moveDates) if (inclusive ? d <= day : d < day) n++;
  return n;
}

function finishPerson(
  ctx: BuildContext,
  rng: SeededRandom,
  draft: Draft,
  index: number,
  householdNumber: string,
  moveDates: readonly IsoDate[],
  addresses: readonly Address[],
  householdChangeOn: IsoDate | null,
  support: SupportPlan | null,
): Person {
  const { seq } = ctx;
  const addressNumber = seq.addressNumber();
  const residentCode = seq.residentCode();
  const removalInfo = draft.removal;
  const end = removalInfo ? removalInfo.occurredOn : REFERENCE_DATE;
  const line = (i: number): string => addressWithBuilding(addresses[i]);

  // Movement history, oldest first.
  const movements: Movement[] = [];
  const notified = (day: IsoDate, maxDelay: number): IsoDate => minDate(addDays(day, rng.int(0, maxDelay)), REFERENCE_DATE);
  const entryIndex = addressIndexAt(moveDates, draft.enteredOn, true);
  let entryNotifiedOn: IsoDate;
  if (draft.foreignPlan && draft.enteredOn === FOREIGN_REGISTER_START) {
    entryNotifiedOn = draft.enteredOn;
    movements.push({ reason: 'EX_OFFICIO_ENTRY', occurredOn: draft.enteredOn, notifiedOn: null, from: null, to: line(entryIndex), recordedAt: officeTime(rng, draft.enteredOn) });
  } else if (draft.entryKind === 'BIRTH') {
    entryNotifiedOn = notified(draft.enteredOn, 13);
    movements.push({ reason: 'BIRTH', occurredOn: draft.enteredOn, notifiedOn: entryNotifiedOn, from: null, to: line(entryIndex), recordedAt: officeTime(rng, entryNotifiedOn) });
  } else {
    entryNotifiedOn = notified(draft.enteredOn, 13);
    movements.push({ reason: 'MOVE_IN', occurredOn: draft.enteredOn, notifiedOn: entryNotifiedOn, from: draft.previousAddress, to: line(entryIndex), recordedAt: officeTime(rng, entryNotifiedOn) });
  }
  let addressSetOn = draft.enteredOn;
  moveDates.forEach((day, k) => {
    if (day > draft.enteredOn && day < end) {
      const notifiedOn = notified(day, 13);
      movements.push({ reason: 'MOVE_WITHIN', occurredOn: day, notifiedOn, from: line(k), to: line(k + 1), recordedAt: officeTime(rng, notifiedOn) });
      addressSetOn = day;
    }
  });
  if (householdChangeOn && householdChangeOn > draft.enteredOn && householdChangeOn < end) {
    const notifiedOn = notified(householdChangeOn, 13);
    movements.push({ reason: 'HOUSEHOLD_CHANGE', occurredOn: householdChangeOn, notifiedOn, from: null, to: null, recordedAt: officeTime(rng, notifiedOn) });
  }
  const finalIndex = removalInfo ? addressIndexAt(moveDates, removalInfo.occurredOn, false) : moveDates.length;
  // Within-ward moves before 2012 are not on a foreign resident's record: start from the entry address.
  const address = addresses[Math.max(finalIndex, entryIndex)];
  if (removalInfo) {
    const reason = removalInfo.reason === 'MOVED_OUT' ? 'MOVE_OUT' : removalInfo.reason === 'DECEASED' ? 'DEATH' : 'EX_OFFICIO_ERASURE';
    movements.push({
      reason,
      occurredOn: removalInfo.occurredOn,
      notifiedOn: removalInfo.reason === 'ERASED' ? null : removalInfo.notifiedOn,
      from: addressWithBuilding(address),
      to: removalInfo.destination,
      recordedAt: officeTime(rng, maxDate(removalInfo.notifiedOn, removalInfo.occurredOn)),
    });
  }
  movements.sort((a, b) => (a.occurredOn < b.occurredOn ? -1 : a.occurredOn > b.occurredOn ? 1 : 0));
  const lastMovement = movements[movements.length - 1];

  const life: LifeLine = {
    birthDay: draft.birthDay,
    enteredOn: draft.enteredOn,
    removal: removalInfo,
    residentType: draft.foreignPlan ? 'FOREIGN' : 'JAPANESE',
  };
  const ageAtReference = ageOn(draft.birthDay, REFERENCE_DATE);

  // Foreign residents' items.
  const foreign = draft.foreignPlan
    ? foreignResidency(rng, {
        plan: draft.foreignPlan,
        isHead: index === 0,
        spouseOfJapanese: draft.spouseOfJapanese,
        birthDay: draft.birthDay,
        enteredOn: draft.enteredOn,
      })
    : null;
  let alias: Person['alias'] = null;
  if (foreign && rng.chance(foreign.category === 'SPECIAL_PERMANENT' ? 0.45 : 0.03)) {
    const a = aliasName(rng, draft.spec.sex, Number(draft.birthDay.slice(0, 4)));
    const recordedOn = minDate(addDays(foreign.becameForeignResidentOn, rng.int(0, 30)), end);
    const removedOn = rng.chance(0.05) && recordedOn < addDays(end, -30) ? randomDay(rng, addDays(recordedOn, 30), end) : null;
    alias = { kanji: a.kanji, kana: a.kana, recordedOn, removedOn };
  }

  const { number, changed } = individualNumberFor(rng, seq, life, entryNotifiedOn);
  const measures: SupportMeasure[] = support ? supportMeasuresFor(support) : [];
  const identity = identityFor(rng, ctx.staff, movements, life, number, changed);
  const linkage =
    number && rng.chance(RATES.linkage) ? linkageFor(rng, seq, number, supportInForce(measures) || rng.chance(RATES.noAutoResponseOther)) : null;
  const card = number && rng.chance(removalInfo ? RATES.cardRemoved : RATES.cardLiving) ? cardFor(rng, seq, life, number) : null;
  const seals = sealsFor(rng, seq, life, ageAtReference);
  const issued = card?.events.find((e) => e.status === 'ISSUED');
  const certificates = certificatesFor(rng, seq, life, seals, issued ? issued.occurredAt.slice(0, 10) : null, earliestSupportStart(measures));

  const oldRecord = draft.enteredOn < '1995-01-01';
  const halfWidthKana = !draft.foreignPlan && oldRecord && rng.chance(RATES.halfWidthKanaOfOldRecords);
  const onElectoralRoll = !draft.foreignPlan && !removalInfo && ageAtReference >= 18 && draft.enteredOn <= addDays(REFERENCE_DATE, -92);
  const updatedAt = maxDateTime(lastMovement.recordedAt, identity.lastChange === 'CORRECTION' ? identity.updatedAt : lastMovement.recordedAt);

  return {
    addressNumber,
    residentCode,
    individualNumber: number,
    householdNumber,
    memberOrder: index + 1,
    relationship: draft.spec.relationship,
    name: draft.name,
    formerSurname: draft.formerSurname,
    alias,
    birth: draft.recordedBirth,
    sex: draft.spec.sex,
    residentType: life.residentType,
    foreign,
    familyRegister: draft.familyRegister,
    status: removalInfo ? (removalInfo.reason === 'MOVED_OUT' ? 'MOVED_OUT' : removalInfo.reason === 'DECEASED' ? 'DECEASED' : 'ERASED') : 'RESIDENT',
    address,
    becameResidentOn: draft.enteredOn,
    addressSetOn,
    notifiedOn: lastMovement.notifiedOn ?? lastMovement.occurredOn,
    previousAddress: draft.previousAddress,
    onElectoralRoll,
    removal: removalInfo,
    movements,
    certificates,
    supportMeasures: measures,
    sealRegistrations: seals,
    identity,
    linkage,
    card,
    updatedAt,
    halfWidthKana,
  };
}
