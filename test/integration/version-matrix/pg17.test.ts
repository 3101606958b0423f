import { versionMatrix } from '../../support/version-matrix.js';

versionMatrix(17);
