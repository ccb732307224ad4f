// The API's entry point: runtime settings first, then the application (loading it allocates, so
// the settings must already apply).
import './runtime-settings.js';

await import('./start.js');
