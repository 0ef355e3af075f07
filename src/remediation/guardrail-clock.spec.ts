import { guardrailClockCases } from '../../test/support/guardrail-clock-cases.js';
import { storesOn } from '../../test/support/one-action.js';

guardrailClockCases('memory', () => storesOn());
