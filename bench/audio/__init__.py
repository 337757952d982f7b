"""Sound: the audio track a ``Video`` may carry (``track``), the oracle world's impact sounds
(``synth``), onset detection (``onsets``) and the audio violations and nuisances (``edits``)."""
