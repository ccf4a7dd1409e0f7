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
};

export const label = (table: Readonly<Record<string, string>>, id: string | null | undefined): string =>
  id == null || id === '' ? '—' : (table[id] ?? id);

/** 項目名 with its coordinate when it has a Japanese name: `氏名 (Resident.name)`. */
export function fieldLabel(coordinate: string): string {
  const name = FIELD_NAMES[coordinate];
  return name ? `${name}` : coordinate;
}
