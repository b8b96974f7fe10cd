// The compiled addon; the workbench reads its API from src-main/ml/backend/onednn-addon.ts.
module.exports = require('./build/Release/tmu_onednn.node')
