import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import type { LabelledTransaction } from '../types.js';

/** A transaction read from a file in the fraud handbook's format, with its day index (UTC). */
export interface FileTransaction extends LabelledTransaction {
  day: number;
}

const REQUIRED = ['TRANSACTION_ID', 'TX_DATETIME', 'CUSTOMER_ID', 'TERMINAL_ID', 'TX_AMOUNT', 'TX_FRAUD'] as const;

/**
 * Streams a (optionally gzipped) CSV in the handbook's format, in file order. TX_FRAUD_SCENARIO is
 * never read: it says why a row is fraud, which no scorer could know.
 */
export async function* readTransactions(file: string): AsyncGenerator<FileTransaction> {
  const input = createReadStream(file);
  const parser = parse({ columns: true, skip_empty_lines: true });
  const source = file.endsWith('.gz') ? input.pipe(createGunzip()) : input;
  source.on('error', (err: Error) => parser.destroy(err));
  source.pipe(parser);
  let line = 1;
  for await (const row of parser as AsyncIterable<Record<string, string>>) {
    line++;
    if (line === 2) {
      const missing = REQUIRED.filter((c) => !(c in row));
      if (missing.length) throw new Error(`${file}: missing column(s) ${missing.join(', ')}`);
    }
    const time = Date.parse(`${row.TX_DATETIME!.replace(' ', 'T')}Z`);
    const amount = Number(row.TX_AMOUNT);
    if (!Number.isFinite(time) || !Number.isFinite(amount)) {
      throw new Error(`${file}:${line}: bad TX_DATETIME or TX_AMOUNT (${row.TX_DATETIME}, ${row.TX_AMOUNT})`);
    }
    yield {
      id: row.TRANSACTION_ID!,
      time,
      customerId: row.CUSTOMER_ID!,
      terminalId: row.TERMINAL_ID!,
      amount,
      fraud: row.TX_FRAUD === '1',
      day: Math.floor(time / 86_400_000),
    };
  }
}
