package fhir

// Questionnaire is an R4 Questionnaire (skeleton; fields added on branch fhir).
type Questionnaire struct {
	ResourceType string `json:"resourceType"`
	URL          string `json:"url,omitempty"`
	Version      string `json:"version,omitempty"`
}

// QuestionnaireResponse is an R4 QuestionnaireResponse (skeleton).
type QuestionnaireResponse struct {
	ResourceType  string `json:"resourceType"`
	Questionnaire string `json:"questionnaire,omitempty"`
	Status        string `json:"status"`
}

// GuidanceResponse is an R4 GuidanceResponse (skeleton).
type GuidanceResponse struct {
	ResourceType string `json:"resourceType"`
	Status       string `json:"status"`
}
