/** A card transaction as the risk scorer sees it (the payments team's `risk.transactions` message). */
export interface Transaction {
  id: string;
  /** Event time, epoch milliseconds. Features are computed in this time, never wall-clock time. */
  time: number;
  customerId: string;
  terminalId: string;
  amount: number;
}

/** A transaction with its fraud label, as found in historical files. */
export interface LabelledTransaction extends Transaction {
  fraud: boolean;
}

/**
 * A fraud label (chargeback, investigator verdict) for an earlier transaction. It names the
 * customer and terminal so feature state can use it without remembering every transaction.
 */
export interface LabelEvent {
  transactionId: string;
  customerId: string;
  terminalId: string;
  fraud: boolean;
  /** The transaction's amount; when given, the label also feeds the amount-band fraud rate. */
  amount?: number;
  /** When the label became known; it must not influence any feature before this instant. */
  availableAt: number;
}

export type Decision = 'approve' | 'review' | 'decline';
