/**
 * Run by test/e2e/masking-logs.test.ts in a child process, so that the whole federation's log
 * (gateway and subgraphs, at the level TEST_LOG_LEVEL gives, written to stdout by pino) can be
 * read back: the 課税課's counter (masked 個人番号) reads a page of persons and is refused lookups
 * by number. Prints MASKED-RUN-DONE with the count of masked values it received.
 */
import '../../gateway/vendor-telemetry';
import { FIXTURE_FIRST_RESIDENT } from '../../generator/fixtures';
import { startFederation } from './federation';

async function main(): Promise<void> {
  const federation = await startFederation();
  try {
    const counter = { 'x-purpose': 'local-tax-counter' };
    const page = await federation.query<Record<string, any>>('tax-clerk', `{ residents(first: 100) { edges { node { id name { kanji } individualNumber } } } }`, undefined, counter);
    const masked = page.body.data?.residents.edges.filter((edge: { node: { individualNumber: string | null } }) => /^\*{8}\d{4}$/.test(edge.node.individualNumber ?? '')).length ?? 0;
    await federation.query('tax-clerk', `{ identityByIndividualNumber(individualNumber: "${FIXTURE_FIRST_RESIDENT.individualNumber}") { name } }`, undefined, counter);
    await federation.query('tax-clerk', `{ resident(id: "${FIXTURE_FIRST_RESIDENT.addressNumber}") { individualNumber residentCode } }`, undefined, counter);
    process.stdout.write(`\nMASKED-RUN-DONE ${masked}\n`);
  } finally {
    await federation.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`masked run failed: ${(error as Error).message}\n`);
  process.exit(1);
});
