/**
 * Japanese labels for the ids the API returns. The ids are the contract (policy/*.yaml, the
 * SDL); an id without a label here is shown as it is, never hidden.
 */
export const DEPARTMENT_NAMES: Readonly<Record<string, string>> = {
  'registry-division': '住民記録・戸籍課',
  'setagaya-branch-resident-section': '世田谷総合支所区民係',
  'mynumber-division': 'マイナンバー担当課',
  'taxation-division': '課税課',
  'school-affairs-division': '学務課',
  'dx-promotion-division': 'DX推進担当課',
  'information-security-office': '情報セキュリティ担当',
  contractor: '委託先',
};

/** 事務 (purposes.yaml) */
export const PURPOSE_NAMES: Readonly<Record<string, string>> = {
  'resident-registry': '住民基本台帳事務',
  'mynumber-card': '個人番号カード事務',
  'local-tax': '地方税事務',
  'local-tax-counter': '地方税事務（窓口での本人確認）',
  'school-enrolment': '就学事務（就学通知）',
  statistics: '統計',
  audit: '監査',
  maintenance: '保守',
};

export const DECISION_NAMES: Readonly<Record<string, string>> = {
  GRANTED: '許可',
  PARTIAL: '一部拒否',
  DENIED: '拒否',
  FAILED: '失敗',
  REFUSED: '受付拒否',
};

export const KIND_NAMES: Readonly<Record<string, string>> = {
  OPERATION: '照会・操作',
  RULES_RELOADED: 'ルール適用',
  RULES_REJECTED: 'ルール不採用',
  BULK_APPROVAL_ISSUED: '大量出力承認',
  BULK_APPROVAL_WITHDRAWN: '大量出力承認の取消',
};

export const ANOMALY_NAMES: Readonly<Record<string, string>> = {
  OFF_HOURS: '時間外・休日のアクセス',
  HIGH_FREQUENCY: '異常な頻度',
  BULK_ACCESS: '大量アクセス',
  REPEATED_DENIALS: '拒否の繰り返し',
  PROTECTED_PERSON_READ: '支援措置対象者への照会',
  BULK_WITHOUT_APPROVAL: '承認のない大量出力',
};

/** The person's data as a resident would name it (Type.field → 項目名). */
export const FIELD_NAMES: Readonly<Record<string, string>> = {
  'Resident.id': '宛名番号',
  'Resident.residentCode': '住民票コード',
  'Resident.individualNumber': '個人番号',
  'Resident.name': '氏名',
  'Resident.birthDate': '生年月日',
  'Resident.sex': '性別',
  'Resident.address': '住所',
  'Resident.household': '世帯',
  'Resident.relationshipToHead': '続柄',
  'Resident.isHeadOfHousehold': '世帯主か否か',
  'Resident.status': '住民の状態',
  'Resident.residentType': '住民の種別',
  'Resident.foreignResident': '外国人住民に関する事項',
  'Resident.removal': '消除に関する事項',
  'Resident.becameResidentOn': '住民となった日',
  'Resident.addressSetOn': '住所を定めた日',
  'Resident.notifiedOn': '届出の日',
  'Resident.previousAddress': '前住所',
  'Resident.familyRegister': '本籍・筆頭者',
  'Resident.onElectoralRoll': '選挙人名簿への登録',
  'Resident.movements': '異動履歴',
  'Resident.certificateIssuances': '証明書の交付履歴',
  'Resident.locationWithheld': '所在の非表示',
  'Resident.supportMeasure': '支援措置',
  'Resident.identityInfo': '本人確認情報（市町村CS）',
  'Resident.informationLinkage': '情報連携（中間サーバ）',
  'Resident.myNumberCard': '個人番号カードの交付状況',
  'PersonName.kanji': '氏名（漢字）',
  'PersonName.kana': '氏名（カナ）',
  'Address.full': '住所',
  'MyNumberCard.status': '個人番号カードの状態',
};

export const label = (table: Readonly<Record<string, string>>, id: string | null | undefined): string =>
  id == null || id === '' ? '—' : (table[id] ?? id);

/** 項目名 with its coordinate when it has a Japanese name: `氏名 (Resident.name)`. */
export function fieldLabel(coordinate: string): string {
  const name = FIELD_NAMES[coordinate];
  return name ? `${name}` : coordinate;
}

export const CLASSIFICATION_NAMES: Readonly<Record<string, string>> = {
  'individual-number': '個人番号（特定個人情報）',
  'personal-sensitive': '要配慮の個人情報（支援措置）',
  personal: '個人情報',
  aggregate: '統計（個人を含まない）',
  authenticated: '構造項目（分類された親からのみ）',
};

export const PROPOSAL_STATUS_NAMES: Readonly<Record<string, string>> = {
  PENDING: '承認待ち',
  APPLIED: '適用済み',
  REJECTED: '却下',
  WITHDRAWN: '取り下げ',
  AWAITING_CONFIRMATION: '確認待ち（適用済み）',
  CONFIRMED: '確認済み',
};

export const PROPOSAL_KIND_NAMES: Readonly<Record<string, string>> = {
  CHANGE: '変更',
  RESTORE: '以前の版に戻す',
  REVOCATION: '利用停止',
};

export const VERSION_ORIGIN_NAMES: Readonly<Record<string, string>> = {
  IMPORT: '初期取り込み（policy/）',
  CHANGE: '承認された変更',
  RESTORE: '承認された復元',
  REVOCATION: '利用停止',
  DIRECTORY: 'policy/ フォルダ',
};

export const ROLE_NAMES: Readonly<Record<string, string>> = {
  clerk: '事務担当',
  analyst: '分析担当',
  'security-officer': '情報セキュリティ担当',
  operator: '保守（委託先）',
  approver: '端末機管理責任者',
};

/** The rule files a proposal carries (CONTRACT-12). */
export const RULE_FILE_NAMES = ['purposes.yaml', 'departments.yaml', 'roles.yaml', 'policies.yaml', 'revocations.yaml', 'bulk-output.yaml', 'limits.yaml'] as const;

/** A list of ids as names, or 「すべて」 when the grant leaves it open. */
export const anyOf = (table: Readonly<Record<string, string>>, ids: readonly string[] | null | undefined): string =>
  ids == null ? 'すべて' : ids.map((id) => label(table, id)).join('・');

/** 信頼済みドキュメントの判断 (TrustedDocumentStatus) */
export const TRUSTED_STATUS_NAMES: Readonly<Record<string, string>> = {
  PENDING: '承認待ち',
  APPROVED: '承認済み',
  REJECTED: '却下',
};
