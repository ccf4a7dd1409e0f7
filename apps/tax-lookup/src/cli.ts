/**
 * The 課税課's resident lookup from a terminal (the example department app):
 *
 *   export WARD_TOKEN=$(npm run -s token -- tax-clerk | tail -1)
 *   npm run app:tax-lookup -- search --kana ヤマ --birth-date 1980-04-01 [--sex FEMALE] [--address-code 0101]
 *   npm run app:tax-lookup -- show <宛名番号>
 *
 * GATEWAY_URL defaults to http://127.0.0.1:4000/graphql (npm start); X-Case-Id from --case.
 */
import { GatewayError } from './client';
import type { Sex } from './gql/graphql';
import { candidateLine, personLines, searchResidents, showResident } from './lookup';

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
}

async function main(args: string[]): Promise<number> {
  const token = process.env.WARD_TOKEN;
  if (!token) {
    process.stderr.write('set WARD_TOKEN (npm run -s token -- tax-clerk | tail -1)\n');
    return 2;
  }
  const caseId = option(args, 'case');
  const client = { url: process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql', token, ...(caseId ? { caseId } : {}) };
  const [command] = args;
  if (command === 'search') {
    const kana = option(args, 'kana');
    const birthDate = option(args, 'birth-date');
    if (!kana || !birthDate) {
      process.stderr.write('usage: search --kana <フリガナ> --birth-date <YYYY-MM-DD> [--sex MALE|FEMALE] [--address-code <4 or 6 digits>]\n');
      return 2;
    }
    const sex = option(args, 'sex') as Sex | undefined;
    const addressCode = option(args, 'address-code');
    const candidates = await searchResidents(client, { kana, birthDate, ...(sex ? { sex } : {}), ...(addressCode ? { addressCode } : {}) });
    for (const candidate of candidates) process.stdout.write(`${candidateLine(candidate)}\n`);
    process.stderr.write(`${candidates.length} candidate(s)\n`);
    return 0;
  }
  if (command === 'show' && args[1]) {
    for (const line of personLines(await showResident(client, args[1]))) process.stdout.write(`${line}\n`);
    return 0;
  }
  process.stderr.write('usage: npm run app:tax-lookup -- search … | show <宛名番号>\n');
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // The gateway's code and message only (never a person's data: refusals carry none).
    process.stderr.write(error instanceof GatewayError ? `refused: HTTP ${error.status} ${error.code ?? ''}: ${error.message}\n` : `${String(error)}\n`);
    process.exit(1);
  },
);
