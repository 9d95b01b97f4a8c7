// What every citizen channel says about personal data (issue 16): the legal basis and who answers for
// the data, from the unit's summary (`privacy`: {legalBasis, controller, encarregado: {name, email,
// phone}}, written once by the API from the court's configuration). Text only, no DOM: the forms
// (forms.js), the widget's conversation (conversation.js) and the privacy page share it.

export const PRIVACY_TITLE = "Seus dados pessoais";

/** The contact of the court's data protection officer, as one line. */
export function encarregadoText(officer) {
  const contacts = [officer.email && `e-mail ${officer.email}`, officer.phone && `telefone ${officer.phone}`]
    .filter(Boolean).join(", ");
  return `Encarregado(a) de proteção de dados: ${officer.name}${contacts ? ` (${contacts})` : ""}.`;
}

/** The lines of the notice: the legal basis, the controller, the encarregado ([] when unknown). */
export function privacyLines(privacy) {
  if (!privacy) return [];
  return [privacy.legalBasis, `Responsável pelos dados (controlador): ${privacy.controller}.`,
    encarregadoText(privacy.encarregado)];
}
