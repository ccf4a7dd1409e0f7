import type { SeededRandom } from '../lib/random';
import type {
  CardApplication,
  CardEvent,
  CardStatus,
  CertificateIssuance,
  CertificateKind,
  CertificateRequester,
  CodeStatus,
  IdentityChangeReason,
  IdentityRecord,
  IndividualNumber,
  IsoDate,
  Linkage,
  LocalDateTime,
  Movement,
  MovementReason,
  ProvisionRecord,
  ProvisionResult,
  Removal,
  SealRegistration,
  SupportMeasure,
  SupportMeasureKind,
  ResidentType,
} from '../lib/synthetic/model';
import { addDays, addYears, anyTime, maxDate, maxDateTime, minDate, officeTime, randomDay, REFERENCE_DATE } from './dates';
import type { IdentifierSequences } from './identifiers';
import {
  CARD_OFFICES,
  CARD_START,
  CERTIFICATE_OFFICES,
  CONVENIENCE_STORE_OFFICE,
  INDIVIDUAL_NUMBER_START,
  OUTSIDE_BODIES,
  PROVISION_ITEMS,
  PROVISION_NETWORK_START,
  RESIDENT_CODE_START,
} from '../lib/synthetic/reference-data';
import { WeightedPool, smallCount } from './sampling';

/**
 * Everything a person accumulates besides the register entry itself: the individual number,
 * the CS identity record, the intermediate server's linkage and provision records, the card
 * application, certificates, seal registration and support measures. Each function is given
 * the person's life line so that nothing happens before the person arrived or after removal.
 */

export interface LifeLine {
  /** A real calendar day near the recorded birth (the recorded one may be partial or odd). */
  birthDay: IsoDate;
  /** 住民となった年月日. */
  enteredOn: IsoDate;
  removal: Removal | null;
  residentType: ResidentType;
}

/** The last day anything can happen to the person in the ward. */
export function lastDay(life: LifeLine): IsoDate {
  return life.removal ? life.removal.occurredOn : REFERENCE_DATE;
}

// ---------------------------------------------------------------------------------------------
// 個人番号

export interface IndividualNumberPlan {
  /** Share of living residents with no number on record (recent arrivals, pending cases). */
  missingRate: number;
  /** Share re-designated after a leak (番号の変更). */
  changedRate: number;
}

export const DEFAULT_NUMBER_PLAN: IndividualNumberPlan = { missingRate: 0.03, changedRate: 0.0005 };

export function individualNumberFor(
  rng: SeededRandom,
  seq: IdentifierSequences,
  life: LifeLine,
  entryNotifiedOn: IsoDate,
  plan: IndividualNumberPlan = DEFAULT_NUMBER_PLAN,
): { number: IndividualNumber | null; changed: boolean } {
  // Removed before numbers existed: the 除票 never got one.
  if (life.removal && life.removal.occurredOn < INDIVIDUAL_NUMBER_START) return { number: null, changed: false };
  if (rng.chance(plan.missingRate)) return { number: null, changed: false };
  // Everyone in Japan on the start day got a number then; later births when the birth was
  // registered; foreigners arriving later when they first registered.
  let designatedOn =
    life.residentType === 'JAPANESE'
      ? maxDate(INDIVIDUAL_NUMBER_START, addDays(life.birthDay, 14))
      : maxDate(INDIVIDUAL_NUMBER_START, entryNotifiedOn);
  designatedOn = minDate(designatedOn, lastDay(life));
  let changed = false;
  if (rng.chance(plan.changedRate) && designatedOn < addDays(lastDay(life), -30)) {
    designatedOn = randomDay(rng, addDays(designatedOn, 30), lastDay(life));
    changed = true;
  }
  return { number: { value: seq.individualNumber(), designatedOn }, changed };
}

// ---------------------------------------------------------------------------------------------
// 本人確認情報 (CS)

const MOVEMENT_TO_IDENTITY: Partial<Record<MovementReason, IdentityChangeReason>> = {
  MOVE_IN: 'MOVE_IN',
  BIRTH: 'BIRTH',
  EX_OFFICIO_ENTRY: 'EX_OFFICIO_ENTRY',
  MOVE_WITHIN: 'MOVE_WITHIN',
  MOVE_OUT: 'MOVE_OUT',
  DEATH: 'DEATH',
  EX_OFFICIO_ERASURE: 'EX_OFFICIO_ERASURE',
};

/** The ward's CS operators and terminals: a few hundred staff at a few dozen terminals. */
export interface StaffIds {
  operators: readonly string[];
  terminals: readonly string[];
}

export function makeStaffIds(rng: SeededRandom): StaffIds {
  const operators = Array.from({ length: 240 }, () => `SG${rng.digits(6)}`);
  const terminals = Array.from({ length: 36 }, (_, i) => `CS${String(i + 1).padStart(2, '0')}${rng.digits(4)}`);
  return { operators, terminals };
}

export function identityFor(
  rng: SeededRandom,
  staff: StaffIds,
  movements: readonly Movement[],
  life: LifeLine,
  number: IndividualNumber | null,
  numberChanged: boolean,
): IdentityRecord {
  let lastChange: IdentityChangeReason = 'RESIDENT_CODE_ENTRY';
  let changedOn: IsoDate = RESIDENT_CODE_START;
  for (const movement of movements) {
    const reason = MOVEMENT_TO_IDENTITY[movement.reason];
    if (reason) {
      lastChange = reason;
      changedOn = movement.occurredOn;
    }
  }
  // Residents who have not moved since before 住基ネット: the CS first knew them when their
  // 住民票コード was written in.
  if (changedOn < RESIDENT_CODE_START && !life.removal) {
    lastChange = 'RESIDENT_CODE_ENTRY';
    changedOn = RESIDENT_CODE_START;
  }
  if (numberChanged && number && number.designatedOn > changedOn) {
    lastChange = 'INDIVIDUAL_NUMBER_CHANGE';
    changedOn = number.designatedOn;
  }
  if (!life.removal && rng.chance(0.02) && changedOn < addDays(REFERENCE_DATE, -30)) {
    lastChange = 'CORRECTION';
    changedOn = randomDay(rng, addDays(changedOn, 1), REFERENCE_DATE);
  }
  // 送付先情報 is made when a number is designated and erased after a year (retention rule).
  const mailingCreatedOn =
    number && !life.removal && number.designatedOn >= addDays(REFERENCE_DATE, -365) ? number.designatedOn : null;
  return {
    lastChange,
    changedOn,
    operatorId: rng.pick(staff.operators),
    terminalId: rng.pick(staff.terminals),
    updatedAt: officeTime(rng, changedOn),
    mailingCreatedOn,
  };
}

// ---------------------------------------------------------------------------------------------
// 中間サーバ

const CODE_STATUSES = new WeightedPool<CodeStatus>([
  ['ACQUIRED', 975],
  ['NOT_REQUESTED', 10],
  ['REQUESTED', 5],
  ['FAILED', 10],
]);

const BODY_POOL = new WeightedPool(OUTSIDE_BODIES.map((body, i) => [body, i < 4 ? 6 : i < 9 ? 2 : 1] as const));

/** The 符号 of the 2015 population were obtained in bulk when the intermediate server went live. */
const FIRST_CODES = '2017-07-18';

export function linkageFor(
  rng: SeededRandom,
  seq: IdentifierSequences,
  number: IndividualNumber,
  noAutoResponse: boolean,
): Linkage {
  const recent = number.designatedOn >= addDays(REFERENCE_DATE, -14);
  const codeStatus: CodeStatus = recent ? (rng.chance(0.7) ? 'REQUESTED' : 'NOT_REQUESTED') : CODE_STATUSES.pick(rng);
  const integratedAddressNumber = seq.integratedAddressNumber();
  let codeAcquiredAt: LocalDateTime | null = null;
  const provisions: ProvisionRecord[] = [];
  let updatedAt = anyTime(rng, maxDate(number.designatedOn, FIRST_CODES));
  if (codeStatus === 'ACQUIRED') {
    codeAcquiredAt = anyTime(rng, minDate(addDays(maxDate(number.designatedOn, FIRST_CODES), rng.int(1, 30)), REFERENCE_DATE));
    updatedAt = codeAcquiredAt;
    const from = maxDate(codeAcquiredAt.slice(0, 10), PROVISION_NETWORK_START);
    const count = smallCount(rng, 1.1, 8);
    const times: LocalDateTime[] = [];
    for (let i = 0; i < count; i++) times.push(anyTime(rng, randomDay(rng, from, REFERENCE_DATE)));
    times.sort();
    for (const requestedAt of times) {
      const body = BODY_POOL.pick(rng);
      const items = pickItems(rng);
      let result: ProvisionResult;
      let autoResponse: boolean;
      if (noAutoResponse) {
        // Held for a person to confirm; some then released, some refused.
        result = rng.weighted<ProvisionResult>([['HELD_FOR_REVIEW', 50], ['PROVIDED', 35], ['REFUSED', 15]]);
        autoResponse = false;
      } else {
        const roll = rng.next();
        result = roll < 0.975 ? 'PROVIDED' : 'REFUSED';
        autoResponse = roll < 0.96 || (roll >= 0.975 && roll < 0.99);
      }
      provisions.push({
        id: seq.provisionId(),
        requestedAt,
        requesterCode: body.code,
        legalBasisItem: rng.pick(body.legalBasisItems),
        items,
        result,
        autoResponse,
      });
      updatedAt = maxDateTime(updatedAt, requestedAt);
    }
  }
  return { integratedAddressNumber, codeStatus, codeAcquiredAt, noAutoResponse, updatedAt, provisions };
}

function pickItems(rng: SeededRandom): string[] {
  const count = rng.weighted<number>([[1, 60], [2, 30], [3, 10]]);
  const chosen = new Set<string>();
  while (chosen.size < count) chosen.add(rng.pick(PROVISION_ITEMS));
  return PROVISION_ITEMS.filter((item) => chosen.has(item));
}

// ---------------------------------------------------------------------------------------------
// 個人番号カード

/** Progress codes in order; the writer maps them to 10…60. */
const CHAIN: readonly CardStatus[] = ['APPLIED', 'IN_PRODUCTION', 'ARRIVED', 'NOTICE_SENT', 'RESERVED', 'ISSUED'];
/** Days from the previous step: J-LIS production takes weeks, the rest days. */
const STEP_DAYS: readonly (readonly [number, number])[] = [
  [0, 0],
  [3, 10],
  [20, 40],
  [1, 5],
  [3, 20],
  [0, 30],
];

const LIVING_TARGETS = new WeightedPool<CardStatus>([
  ['ISSUED', 820],
  ['RESERVED', 30],
  ['NOTICE_SENT', 40],
  ['ARRIVED', 20],
  ['IN_PRODUCTION', 40],
  ['APPLIED', 30],
  ['REVOKED', 20],
]);

/** Branch offices hand over most cards. */
const CARD_OFFICE_POOL = new WeightedPool(CARD_OFFICES.map((o) => [o, o.code.startsWith('1') ? 7 : 3] as const));

export function cardFor(rng: SeededRandom, seq: IdentifierSequences, life: LifeLine, number: IndividualNumber): CardApplication | null {
  const earliest = maxDate(addDays(CARD_START, -90), addDays(number.designatedOn, 7));
  const end = lastDay(life);
  if (earliest >= addDays(end, -1)) return null;
  const office = CARD_OFFICE_POOL.pick(rng).code;
  const durations = STEP_DAYS.map(([lo, hi]) => rng.int(lo, hi));
  const offsets: number[] = [];
  durations.reduce((sum, d) => {
    offsets.push(sum + d);
    return sum + d;
  }, 0);

  let appliedOn: IsoDate;
  let target: CardStatus;
  if (life.removal) {
    appliedOn = randomDay(rng, earliest, addDays(end, -1));
    target = 'ISSUED';
  } else {
    target = LIVING_TARGETS.pick(rng);
    const reached = target === 'REVOKED' ? CHAIN.length - 1 : CHAIN.indexOf(target);
    if (reached === CHAIN.length - 1) {
      appliedOn = randomDay(rng, earliest, addDays(REFERENCE_DATE, -offsets[CHAIN.length - 1] - 1));
    } else {
      // Place the application so that the target step has happened and the next has not.
      const sinceTarget = rng.int(0, Math.max(0, durations[reached + 1] - 1));
      appliedOn = addDays(REFERENCE_DATE, -offsets[reached] - sinceTarget);
      if (appliedOn < earliest) {
        appliedOn = randomDay(rng, earliest, addDays(REFERENCE_DATE, -offsets[CHAIN.length - 1] - 1));
        target = 'ISSUED';
      }
    }
  }

  const events: CardEvent[] = [];
  const counterApplication = rng.chance(0.4);
  for (let i = 0; i < CHAIN.length; i++) {
    const day = addDays(appliedOn, offsets[i]);
    if (day > end) break;
    const status = CHAIN[i];
    const officeCode = status === 'APPLIED' ? (counterApplication ? office : null) : status === 'IN_PRODUCTION' ? null : office;
    events.push({ status, occurredAt: officeTime(rng, day), officeCode });
    if (status === target) break;
  }
  // Two steps on one day (reserved and handed over at the same visit) must keep their order.
  const times = events.map((e) => e.occurredAt).sort();
  events.forEach((e, i) => {
    e.occurredAt = times[i];
  });
  const last = events[events.length - 1];
  let reservation: CardApplication['reservation'] = null;
  const reservedEvent = events.find((e) => e.status === 'RESERVED');
  if (last.status === 'RESERVED' && !life.removal) {
    reservation = { scheduledAt: slot(rng, addDays(REFERENCE_DATE, rng.int(1, 30))), officeCode: office, state: 'BOOKED' };
  } else if (reservedEvent) {
    const issued = events.find((e) => e.status === 'ISSUED');
    reservation = issued
      ? { scheduledAt: `${issued.occurredAt.slice(0, 14)}00:00`, officeCode: office, state: 'ATTENDED' }
      : { scheduledAt: slot(rng, addDays(reservedEvent.occurredAt.slice(0, 10), rng.int(1, 20))), officeCode: office, state: 'CANCELLED' };
  }

  if (life.removal) {
    const after = minDate(addDays(life.removal.occurredOn, rng.int(1, 14)), REFERENCE_DATE);
    if (last.status !== 'ISSUED') {
      // Not handed over before the person left: the application is cancelled.
      events.push({ status: 'CANCELLED', occurredAt: officeTime(rng, after), officeCode: office });
    } else if (life.removal.reason !== 'MOVED_OUT') {
      // Death or erasure ends the card; a card that moves out with its holder stays valid.
      events.push({ status: 'REVOKED', occurredAt: officeTime(rng, after), officeCode: office });
    }
  } else if (target === 'REVOKED' && last.status === 'ISSUED' && addDays(last.occurredAt.slice(0, 10), 30) < REFERENCE_DATE) {
    // Returned or lost after hand-over (廃止).
    const revokedOn = randomDay(rng, addDays(last.occurredAt.slice(0, 10), 30), REFERENCE_DATE);
    events.push({ status: 'REVOKED', occurredAt: officeTime(rng, revokedOn), officeCode: office });
  }
  const final = events[events.length - 1];
  return {
    applicationId: seq.cardApplicationId(),
    appliedOn,
    status: final.status,
    officeCode: office,
    events,
    reservation,
    updatedAt: final.occurredAt,
  };
}

/** A reservation slot: on the hour or half past, 09:00–16:30. */
function slot(rng: SeededRandom, day: IsoDate): LocalDateTime {
  const half = rng.int(18, 33);
  return `${day}T${String(Math.floor(half / 2)).padStart(2, '0')}:${half % 2 ? '30' : '00'}:00`;
}

// ---------------------------------------------------------------------------------------------
// 証明書 and 印鑑登録

const REQUESTERS = new WeightedPool<CertificateRequester>([
  ['SELF', 60],
  ['HOUSEHOLD_MEMBER', 20],
  ['PROXY', 10],
  ['THIRD_PARTY', 5],
  ['OFFICIAL', 5],
]);
const COUNTERS = CERTIFICATE_OFFICES.filter((o) => o.code !== CONVENIENCE_STORE_OFFICE.code);

/** Issuance history is kept for five years before it is purged. */
const CERTIFICATE_HISTORY_FROM = addYears(REFERENCE_DATE, -5);

export function certificatesFor(
  rng: SeededRandom,
  seq: IdentifierSequences,
  life: LifeLine,
  seals: readonly SealRegistration[],
  cardIssuedOn: IsoDate | null,
  supportFrom: IsoDate | null,
): CertificateIssuance[] {
  const from = maxDate(life.enteredOn, CERTIFICATE_HISTORY_FROM);
  const end = lastDay(life);
  const dates: { day: IsoDate; removed: boolean }[] = [];
  if (from < end) {
    const count = smallCount(rng, life.removal ? 0.5 : 0.9, 9);
    for (let i = 0; i < count; i++) dates.push({ day: randomDay(rng, from, end), removed: false });
  }
  if (life.removal && life.removal.occurredOn < REFERENCE_DATE && rng.chance(0.3)) {
    dates.push({ day: randomDay(rng, maxDate(addDays(life.removal.occurredOn, 1), CERTIFICATE_HISTORY_FROM), REFERENCE_DATE), removed: true });
  }
  dates.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  const minorUntil = addYears(life.birthDay, 15);
  return dates.map(({ day, removed }) => {
    let kind: CertificateKind = 'RESIDENT_RECORD_COPY';
    const roll = rng.next();
    if (removed) kind = 'REMOVED_RECORD_COPY';
    else if (roll < 0.3 && seals.some((s) => s.registeredOn <= day && (s.abolishedOn === null || s.abolishedOn > day))) kind = 'SEAL_CERTIFICATE';
    else if (roll > 0.92) kind = 'RECORD_ITEMS_CERTIFICATE';
    let requester = REQUESTERS.pick(rng);
    if (removed) requester = rng.pick(['PROXY', 'THIRD_PARTY', 'OFFICIAL'] as const);
    else if (supportFrom !== null && day >= supportFrom) requester = rng.chance(0.8) ? 'SELF' : 'OFFICIAL'; // 支援措置: others are refused
    else if (day < minorUntil && requester === 'SELF') requester = 'HOUSEHOLD_MEMBER';
    const convenience = cardIssuedOn !== null && cardIssuedOn < day && requester === 'SELF' && kind !== 'RECORD_ITEMS_CERTIFICATE' && rng.chance(0.5);
    return {
      number: seq.certificateNumber(),
      kind,
      issuedOn: day,
      officeCode: convenience ? CONVENIENCE_STORE_OFFICE.code : rng.pick(COUNTERS).code,
      copies: rng.weighted<number>([[1, 80], [2, 15], [3, 5]]),
      requester,
    };
  });
}

export function sealsFor(rng: SeededRandom, seq: IdentifierSequences, life: LifeLine, ageAtReference: number): SealRegistration[] {
  if (ageAtReference < 15 || !rng.chance(ageAtReference < 20 ? 0.05 : 0.5)) return [];
  const from = maxDate(life.enteredOn, addYears(life.birthDay, 15));
  const end = lastDay(life);
  if (from >= end) return [];
  const seals: SealRegistration[] = [];
  let registeredOn = randomDay(rng, from, end);
  // Some lost the seal or its card and registered again.
  if (rng.chance(0.1) && registeredOn < addDays(end, -60)) {
    const abolishedOn = randomDay(rng, addDays(registeredOn, 30), addDays(end, -1));
    seals.push({ number: seq.sealNumber(), registeredOn, abolishedOn });
    registeredOn = randomDay(rng, abolishedOn, end);
  }
  // Registration ends with removal from the register.
  seals.push({ number: seq.sealNumber(), registeredOn, abolishedOn: life.removal ? life.removal.occurredOn : null });
  return seals;
}

// ---------------------------------------------------------------------------------------------
// 支援措置

export type SupportState = 'ACTIVE' | 'INTERIM' | 'EXPIRED';

export interface SupportPlan {
  kind: SupportMeasureKind;
  state: SupportState;
  /** The current (or last) term's first day, shared by the household's protected members. */
  startsOn: IsoDate;
  /** A renewed measure: the previous term is on record too. */
  renewed: boolean;
  perpetratorName: string;
}

export function planSupport(rng: SeededRandom, kind: SupportMeasureKind, enteredOn: IsoDate, perpetratorName: string): SupportPlan {
  const state = rng.weighted<SupportState>([['ACTIVE', 60], ['INTERIM', 10], ['EXPIRED', 30]]);
  const earliest = addDays(enteredOn, 1);
  let startsOn: IsoDate;
  if (state === 'ACTIVE') startsOn = randomDay(rng, addDays(REFERENCE_DATE, -350), addDays(REFERENCE_DATE, -5));
  else if (state === 'INTERIM') startsOn = randomDay(rng, addDays(REFERENCE_DATE, -60), addDays(REFERENCE_DATE, -1));
  else startsOn = randomDay(rng, addYears(REFERENCE_DATE, -6), addYears(REFERENCE_DATE, -2));
  startsOn = maxDate(startsOn, minDate(earliest, addDays(REFERENCE_DATE, -1)));
  const renewed = state === 'ACTIVE' && addYears(startsOn, -1) > earliest && rng.chance(0.4);
  return { kind, state, startsOn, renewed, perpetratorName };
}

export function supportMeasuresFor(plan: SupportPlan): SupportMeasure[] {
  const termEnd = (start: IsoDate): IsoDate => addDays(addYears(start, 1), -1);
  const measures: SupportMeasure[] = [];
  if (plan.renewed) {
    const previous = addYears(plan.startsOn, -1);
    measures.push({ kind: plan.kind, startsOn: previous, endsOn: termEnd(previous), interim: false, perpetratorName: plan.perpetratorName });
  }
  measures.push({
    kind: plan.kind,
    startsOn: plan.startsOn,
    endsOn: plan.state === 'INTERIM' ? null : termEnd(plan.startsOn),
    interim: plan.state === 'INTERIM',
    perpetratorName: plan.perpetratorName,
  });
  return measures;
}

/** In force on the reference day (an interim measure has no end yet). */
export function earliestSupportStart(measures: readonly SupportMeasure[]): IsoDate | null {
  return measures.length === 0 ? null : measures.reduce((min, m) => (m.startsOn < min ? m.startsOn : min), measures[0].startsOn);
}
