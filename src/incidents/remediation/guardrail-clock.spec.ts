import { guardrailClockCases } from '../../../test/support/guardrail-clock-cases.js';
import { MemoryIncidentStore } from '../store/memory-store.js';

guardrailClockCases('memory', async () => new MemoryIncidentStore());
