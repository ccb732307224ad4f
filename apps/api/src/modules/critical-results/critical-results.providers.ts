import { CriticalPolicyController, CriticalResultsController } from './critical-results.controller.js';
import { CriticalEscalationService } from './critical-escalation.service.js';
import { CriticalPolicyService } from './critical-policy.service.js';
import { CriticalResultsRepository } from './critical-results.repository.js';
import { CriticalResultsService } from './critical-results.service.js';

/** The critical-result feature's routes. */
export const CRITICAL_RESULT_CONTROLLERS = [CriticalResultsController, CriticalPolicyController];

/** The critical-result feature's providers. */
export const CRITICAL_RESULT_PROVIDERS = [
  CriticalResultsRepository,
  CriticalPolicyService,
  CriticalResultsService,
  CriticalEscalationService,
];
