/**
 * The record types an OIP indexer syncs by default: the names of its default templates
 * (`config/templates.config.js`), one registry index `oip:registry:index:<type>` each. Most of
 * them are never written on a given node, and a read of a never-written index costs its relay 3 s.
 * Pass your own list (`recordTypes`) to sync fewer or other types, as the indexer's
 * `RECORD_TYPE_INDEX_MODE` whitelist or blacklist does.
 */
export const OIP_RECORD_TYPES: readonly string[] = Object.freeze([
  'basic',
  'creatorRegistration',
  'associatedURLOnWeb',
  'text',
  'image',
  'video',
  'post',
  'podcast',
  'jfkFilesPageOfDocument',
  'jfkFilesDocument',
  'exercise',
  'workout',
  'recipe',
  'nutritionalInfo',
  'podcastShow',
  'modelProvider',
  'conversationSession',
  'multiResolutionGif',
  'organization',
  'fitnessEquipment',
  'userFitnessProfile',
  'workoutSchedule',
  'mealPlan',
  'exerciseResult',
  'workoutCompletion',
  'weightEntry',
  'shoppingList',
  'userFitnessAchievment',
  'accessControl',
  'music',
  'summaryNutritionalInfoPerServing',
  'exerciseMETvalues',
  'notes',
  'audio',
  'transcriptionEngine',
  'noteChunks',
  'musicReleaseSimple',
]);
