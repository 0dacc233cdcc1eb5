// Importing this module makes the English messages the core's, as in the browser (strict: an
// unknown key throws, so a test catches a message missing from _locales).
import { englishMessages } from '../../src/cli/english.js';
import { useTranslate } from '../../src/core/text.js';

export { englishMessages };

useTranslate(englishMessages);
